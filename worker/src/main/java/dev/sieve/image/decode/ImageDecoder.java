package dev.sieve.image.decode;

import dev.sieve.image.PillowMode;
import dev.sieve.image.PixelBudget;
import dev.sieve.image.Pixels;
import dev.sieve.image.resize.PillowResize;
import dev.sieve.image.resize.TilePlan;
import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Encoded bytes to {@link Pixels} in the mode Pillow 9.4 would open them in. The size is read from the header and
 * checked against {@link DecodeOptions#maxPixels()} before any pixel is decoded.
 *
 * <p>PNG modes follow Pillow's PngImagePlugin table (bit depth, colour type): grey 1 bit is "1", grey 2/4/8 bits is
 * "L" (2 and 4 bits scaled by 85 and 17), grey 16 bits is "I" (32-bit ints, as Pillow holds them), palette is "P", grey+alpha 8 bits is "LA", grey+alpha 16 bits is "RGBA",
 * 16-bit samples keep their high byte; decoded by sieve's own {@link PngDecoder}, never ImageIO. JPEG: "L", "RGB" or "CMYK" by component count (libjpeg-turbo, else ImageIO;
 * see {@link JpegMarkers}). TIFF follows Pillow's TiffImagePlugin table ({@link TiffDecoder}). WebP: "RGBA" or "RGB" as Pillow's WebP plugin decides ({@link LibWebp}). BMP, ICO/CUR,
 * PBM/PGM/PPM, TGA and GIF (the first frame on its logical screen, {@link GifDecoder}) go through sieve's own decoders
 * ({@link RasterDecoder}), following Pillow's plugins rule for rule. Other formats: palette images are "P", one band
 * "L", two "LA", colour with alpha "RGBA", else "RGB". Formats Pillow does not open are named
 * ({@link UnsupportedFormat}).
 */
public final class ImageDecoder {
    private final DecodeOptions options;
    private final TurboJpeg turbo;
    private final PngDecoder png;
    private static final RasterDecoder BMP = new BmpDecoder();
    private static final RasterDecoder PNM = new PnmDecoder();
    private static final RasterDecoder TGA = new TgaDecoder();
    private final LibWebp webp;

    public ImageDecoder(DecodeOptions options) {
        this.options = options;
        this.turbo = options.jpegDecoder() == DecodeOptions.JpegDecoder.AUTO ? TurboJpeg.load().orElse(null) : null;
        this.png = new PngDecoder(LibDeflate.load().orElse(null));
        this.webp = LibWebp.load().orElse(null);
    }

    /** An icon's PNG entry goes the PNG file's way, under the same share of the budget. */
    private IcoDecoder.PngFrames pngFrames(PixelBudget.Share share) {
        return new IcoDecoder.PngFrames() {
            public PngHeader header(byte[] entry) throws StageException {
                // Pillow opens the PNG (every chunk before the image data) before its size check.
                PngChunks.Opened opened = new PngChunks(entry).open();
                return new PngHeader(opened.width(), opened.height(), opened.bitDepth(), opened.colourType());
            }

            public Pixels decode(byte[] entry) throws StageException {
                return decodePng(entry, null, share, true);
            }
        };
    }

    /** True when the PNGs sieve decodes itself are inflated with libdeflate (see {@link PngDecoder}). */
    public boolean usesLibDeflate() {
        return png.usesLibDeflate();
    }

    /** True when JPEGs go through libjpeg-turbo (the library loaded and the options allow it). */
    public boolean usesTurboJpeg() {
        return turbo != null;
    }

    /**
     * A decoded image and the size it has at full scale (after EXIF orientation), which differs from the pixels'
     * size when the JPEG was decoded DCT-scaled.
     */
    public record Decoded(Pixels pixels, int fullWidth, int fullHeight) {}

    /**
     * What the caller will make of an image of the size its header gives, asked before any pixel is decoded or any
     * of the pixel budget is taken.
     */
    @FunctionalInterface
    public interface SizePlan {
        /** The smallest shorter side a DCT-scaled decode may have (see {@link TilePlan#minDecodedShortSide}). */
        int minShortSide(int width, int height);

        /** Throws when an image of this size cannot be prepared at all. */
        default void check(int width, int height) throws StageException {
        }

        /**
         * Throws when an image of this size takes the 1536 resize before tiling, which the reference cannot do for
         * this image ({@code why}: Pillow's error).
         */
        default void checkResizable(int width, int height, String why) throws StageException {
        }
    }

    /** Full-size decode. */
    public Pixels decode(byte[] encoded) throws StageException {
        return decode(encoded, null).pixels();
    }

    /**
     * Decodes, DCT-scaled when {@link DecodeOptions#dctScaling()} is on, libjpeg-turbo is in use and
     * {@code plan} (null: full size, nothing checked) allows a factor below 1; the plan may refuse the image's size
     * first.
     */
    public Decoded decode(byte[] encoded, SizePlan plan) throws StageException {
        return decode(encoded, plan, null);
    }

    /**
     * As {@link #decode(byte[], SizePlan)}, taking the image's part of a
     * {@link PixelBudget} into {@code share} once the header gives its size and before any pixel is decoded (waiting
     * while the budget is used up). The caller gives the share back when it is done with the pixels.
     *
     * @param share null: no budget
     */
    public Decoded decode(byte[] encoded, SizePlan plan, PixelBudget.Share share) throws StageException {
        ImageFormat format = ImageFormat.sniff(encoded);
        if (format == null) {
            String unsupported = UnsupportedFormat.describe(encoded);
            if (unsupported != null) throw fail(FailureCode.UNSUPPORTED_FORMAT, unsupported);
            throw fail(FailureCode.NOT_AN_IMAGE, "the bytes start with no known image signature ("
                    + encoded.length + " bytes, first: " + hex(encoded) + ")");
        }
        RasterDecoder own = switch (format) {
            case BMP -> BMP;
            case ICO -> new IcoDecoder(false, pngFrames(share));
            case CUR -> new IcoDecoder(true, pngFrames(share));
            case PNM -> PNM;
            case TGA -> TGA;
            case GIF -> new GifDecoder(options.maxPixels());
            default -> null;
        };
        if (own != null) {
            Pixels pixels = decodeOwn(own, format, encoded, plan, share);
            return new Decoded(pixels, pixels.width(), pixels.height());
        }
        if (format == ImageFormat.JPEG) JpegMarkers.checkPillowOpens(encoded);
        if (format == ImageFormat.JPEG && turbo != null) return decodeTurbo(encoded, plan, share);
        Pixels pixels = switch (format) {
            case WEBP -> decodeWebp(encoded, plan, share);
            case TIFF -> decodeTiff(encoded, plan, share);
            case PNG -> decodePng(encoded, plan, share, false);
            default -> decodeImageIo(encoded, format, plan, share);
        };
        return new Decoded(pixels, pixels.width(), pixels.height());
    }

    private Pixels decodeWebp(byte[] encoded, SizePlan plan, PixelBudget.Share share) throws StageException {
        // Pillow's WebP plugin accepts a file only by its first chunk; with any other, no plugin identifies it.
        String chunk = encoded.length < 16 ? "" : new String(encoded, 12, 4, StandardCharsets.ISO_8859_1);
        if (!chunk.equals("VP8 ") && !chunk.equals("VP8L") && !chunk.equals("VP8X")) {
            throw fail(FailureCode.NOT_AN_IMAGE, "RIFF WEBP file whose first chunk is not VP8, VP8L or VP8X ('"
                    + chunk.replaceAll("[^ -~]", "?") + "'): Pillow identifies no image in it");
        }
        if (webp == null) {
            throw fail(FailureCode.UNSUPPORTED_FORMAT, "WebP needs libwebp (Debian's libwebp7 and libwebpdemux2),"
                    + " which did not load");
        }
        // WebPAnimDecoder's two canvases (8 bytes a pixel) and the Java copy (up to 4), plus the native copy of the
        // encoded bytes: 3 pixels' worth of the budget's 4 bytes each.
        return webp.decode(encoded, (w, h) -> {
            checkPixels(ImageFormat.WEBP, w, h, plan);
            admit(share, 3L * w * h + encoded.length / 4, 1);
        });
    }

    private Pixels decodeTiff(byte[] encoded, SizePlan plan, PixelBudget.Share share) throws StageException {
        byte[] tiff = BigTiff.is(encoded) ? BigTiff.toClassic(encoded) : encoded;
        TiffDecoder.Header header = TiffDecoder.header(tiff);
        // The plan sees the image as Pillow leaves it: turned by its Orientation tag (5 to 8 swap the sides).
        boolean turned = header.directory().orientation() >= 5;
        checkPixels(ImageFormat.TIFF, turned ? header.height() : header.width(),
                turned ? header.width() : header.height(), plan);
        // The reader's memory-cached stream keeps a copy of the encoded bytes, and a file whose byte counts are cut
        // is copied once more (a BigTIFF's classic copy once more again): charged at 4 bytes a pixel.
        admit(share, header.width() * header.height() * header.costFactor() + tiff.length / 2
                + (tiff == encoded ? 0 : tiff.length / 4), 1);
        return TiffDecoder.decode(tiff, header);
    }

    private Decoded decodeTurbo(byte[] encoded, SizePlan plan, PixelBudget.Share share) throws StageException {
        TurboJpeg.Header header;
        int w;
        int h;
        boolean grey;
        boolean cmyk;
        byte[] data;
        try (TurboJpeg.Decompressor d = turbo.decompressor()) {
            header = d.header(encoded);
            // The decompression-bomb guard, from the header, before anything is allocated for the pixels.
            checkPixels(ImageFormat.JPEG, header.width(), header.height(), plan);
            // Charged at full size even when DCT-scaled: an over-estimate by the scale's square, on the safe side.
            admit(share, (long) header.width() * header.height(), options.exifOrientation() ? 2 : 1);
            TurboJpeg.Scale scale = TurboJpeg.Scale.ONE;
            if (options.dctScaling() && plan != null) {
                scale = chooseScale(turbo.downScales(), header.width(), header.height(),
                        plan.minShortSide(header.width(), header.height()));
            }
            w = scale.scaled(header.width());
            h = scale.scaled(header.height());
            grey = header.colorspace() == TurboJpeg.CS_GRAY;
            cmyk = header.colorspace() == TurboJpeg.CS_CMYK || header.colorspace() == TurboJpeg.CS_YCCK;
            data = d.decode(encoded, w, h, grey ? TurboJpeg.PF_GRAY : cmyk ? TurboJpeg.PF_CMYK : TurboJpeg.PF_RGB,
                    message -> refuseIfTruncated(encoded, message));
        } catch (TurboJpeg.TurboException e) {
            throw fail(FailureCode.CORRUPT_IMAGE, "JPEG could not be decoded: " + e.getMessage());
        }
        // Pillow asks libjpeg for CMYK (which turns YCCK into CMYK, as here) and reads it as "CMYK;I": it assumes
        // Adobe's inverted storage whether or not the file has Adobe's marker.
        if (cmyk) for (int i = 0; i < data.length; i++) data[i] = (byte) ~data[i];
        Pixels pixels = new Pixels(w, h, grey ? PillowMode.L : cmyk ? PillowMode.CMYK : PillowMode.RGB, data);
        int fullW = header.width();
        int fullH = header.height();
        if (options.exifOrientation()) {
            int orientation = ExifOrientation.read(encoded);
            pixels = ExifOrientation.apply(pixels, orientation);
            if (orientation >= 5 && orientation <= 8) {
                fullW = header.height();
                fullH = header.width();
            }
        }
        return new Decoded(pixels, fullW, fullH);
    }

    /** The smallest factor whose output's shorter side is still at least {@code minShortSide}; 1 when none is. */
    static TurboJpeg.Scale chooseScale(java.util.List<TurboJpeg.Scale> downScales, int width, int height,
            int minShortSide) {
        TurboJpeg.Scale best = TurboJpeg.Scale.ONE;
        for (TurboJpeg.Scale s : downScales) {
            boolean enough = Math.min(s.scaled(width), s.scaled(height)) >= minShortSide;
            if (enough && (long) s.num() * best.denom() < (long) best.num() * s.denom()) best = s;
        }
        return best;
    }

    /**
     * A format sieve decodes itself: the header's size checked (Pillow's bomb check sees the same size), the budget
     * taken at twice the pixels (indices or a raw copy beside the output), then the pixels.
     */
    private Pixels decodeOwn(RasterDecoder decoder, ImageFormat format, byte[] encoded, SizePlan plan,
            PixelBudget.Share share) throws StageException {
        RasterDecoder.Header header;
        try {
            header = decoder.open(encoded);
        } catch (StageException e) {
            // Pillow tries its next plugin when one cannot identify a file: a TGA can start like an icon or cursor.
            if (e.code() != FailureCode.NOT_AN_IMAGE || format == ImageFormat.TGA || !TgaDecoder.looksLikeTga(encoded)) {
                throw e;
            }
            format = ImageFormat.TGA;
            header = TGA.open(encoded);
        }
        checkPixels(format, header.width(), header.height(), plan);
        if (plan != null && header.resizeRefusal() != null) {
            plan.checkResizable((int) header.width(), (int) header.height(), header.resizeRefusal());
        }
        admit(share, header.width() * header.height(), 2);
        try {
            return header.decode();
        } catch (ArithmeticException | IllegalArgumentException e) {
            throw fail(FailureCode.CORRUPT_IMAGE, format + " could not be decoded: " + e);
        }
    }

    /**
     * A PNG, always through sieve's own decoder ({@link PngDecoder}): opened as Pillow opens it (every chunk before
     * the image data, IHDR wherever it is), the size checked, then its pixels charged (at most 4 bytes each: "P" is an
     * index byte plus its RGB look-up, "I" and "RGBA" 4 bytes) with the decoder's row buffers, and decoded.
     */
    private Pixels decodePng(byte[] encoded, SizePlan plan, PixelBudget.Share share, boolean inIcon)
            throws StageException {
        PngChunks chunks = new PngChunks(encoded);
        PngChunks.Opened opened = chunks.open();
        checkPixels(ImageFormat.PNG, opened.width(), opened.height(), plan);
        admit(share, opened.width() * opened.height() + PngDecoder.extraPixels(opened), 1);
        return png.decode(encoded, chunks, opened, inIcon);
    }

    private Pixels decodeImageIo(byte[] encoded, ImageFormat format, SizePlan plan, PixelBudget.Share share)
            throws StageException {
        if (format == ImageFormat.JPEG) encoded = JpegMarkers.withoutIccProfile(encoded);
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.imageIoName());
        if (!readers.hasNext()) {
            throw fail(FailureCode.UNSUPPORTED_FORMAT, format + " is recognised but no decoder for it is installed");
        }
        ImageReader reader = readers.next();
        // Memory-backed stream: ImageIO.createImageInputStream would spill to a temp file when ImageIO's cache is on.
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
            reader.setInput(in, true, true);
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            checkPixels(format, width, height, plan);
            JpegMarkers.Frame jpeg = format == ImageFormat.JPEG ? JpegMarkers.frame(encoded) : null;
            ImageTypeSpecifier raw = jpeg == null ? reader.getRawImageType(0) : null;
            // Turning by EXIF orientation copies the pixels once more.
            int exif = options.exifOrientation() && format == ImageFormat.JPEG ? 2 : 1;
            // ImageIO's memory-cached input stream keeps a copy of the encoded bytes while it decodes: charged too,
            // at 4 bytes a pixel.
            admit(share, (long) width * height * Math.max(exif, costFactor(jpeg, raw)) + encoded.length / 4, 1);
            TruncationWarnings warnings = new TruncationWarnings();
            reader.addIIOReadWarningListener(warnings);
            Pixels pixels;
            if (jpeg != null && jpeg.components() == 4) {
                pixels = cmyk(reader, jpeg);
            } else {
                BufferedImage image = reader.read(0);
                pixels = fromOther(image);
            }
            if (warnings.first != null) {
                if (format != ImageFormat.JPEG) {
                    throw fail(FailureCode.CORRUPT_IMAGE, format + " decoder warned: " + warnings.first);
                }
                refuseIfTruncated(encoded, warnings.first);
            }
            if (options.exifOrientation() && format == ImageFormat.JPEG) {
                pixels = ExifOrientation.apply(pixels, ExifOrientation.read(encoded));
            }
            return pixels;
        } catch (StageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new StageException(Stage.DECODE, FailureCode.CORRUPT_IMAGE,
                    format + " could not be decoded: " + e, e);
        } finally {
            reader.dispose();
        }
    }

    /**
     * How many times its pixel count an image is charged to the {@link PixelBudget}. The budget is sized for 4 bytes
     * a pixel, what an 8-bit image holds at most while it is decoded and tiled: the raster, reused as the Pixels'
     * array (RGBA included: 4 bytes), or a palette's 1-byte indices plus the 3-byte lookup. Pillow's premultiplied
     * copy before a resize and the processor's convert("RGB") are made strip by strip
     * ({@link PillowResize#resizeWindow(Pixels, java.util.function.UnaryOperator, int, int, PillowResize.Filter,
     * int, int, int, int)}), never for the whole image. A CMYK JPEG through ImageIO holds its raster and the inverted copy (4 + 4):
     * 2x. Other ImageIO formats are judged by the reader's raw image type (with alpha, a raster in another band
     * order is copied: 2x).
     */
    static int costFactor(JpegMarkers.Frame jpeg, ImageTypeSpecifier raw) {
        if (jpeg != null) return jpeg.components() == 4 ? 2 : 1;
        if (raw == null) return 2; // unknown layout: assume alpha
        int bits = raw.getSampleModel().getSampleSize(0);
        if (bits > 8) return 3;
        return raw.getColorModel().hasAlpha() ? 2 : 1;
    }

    /**
     * Takes what the share lacks of {@code pixels x factor} (it may hold part already: see decodeImageIo). An image
     * that costs more than the whole budget is refused: decoded alone it would still hold more than the heap the
     * budget was sized for (a 100 MP 16-bit PNG: 1.2 GB against 768 MB), and fail there as INTERNAL out of memory,
     * taking other images with it.
     */
    private static void admit(PixelBudget.Share share, long pixels, int factor) throws StageException {
        if (share == null) return;
        if (pixels * factor > share.capacity()) {
            throw fail(FailureCode.TOO_MANY_PIXELS, "decoding this image holds " + factor + " x " + pixels
                    + " pixels' worth of memory (4 bytes each), more than the whole pixel budget of "
                    + share.capacity() + " (--pixel-budget-mp; raise it with the heap)");
        }
        try {
            share.take(Math.max(0, pixels * factor - share.held()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StageException(Stage.DECODE, FailureCode.INTERNAL,
                    "interrupted while waiting for the pixel budget (the worker is stopping)");
        }
    }

    /** The header's size against maxPixels, then against the caller's plan: before any pixel is allocated. */
    private void checkPixels(ImageFormat format, long width, long height, SizePlan plan) throws StageException {
        if (width < 1 || height < 1) {
            throw fail(FailureCode.CORRUPT_IMAGE, format + " header gives an empty size " + width + "x" + height);
        }
        if (width * height > options.maxPixels()) {
            throw fail(FailureCode.TOO_MANY_PIXELS, format + " is " + width + "x" + height + " = " + width * height
                    + " pixels, over the limit of " + options.maxPixels() + " (maxPixels)");
        }
        // Within maxPixels (< 2^31), so both sides fit an int.
        if (plan != null) plan.check((int) width, (int) height);
    }

    private static Pixels fromOther(BufferedImage image) {
        if (image.getColorModel() instanceof IndexColorModel) return palette(image);
        Raster r = image.getRaster();
        int bands = r.getNumBands();
        Sample sample = r.getSampleModel().getSampleSize(0) > 8 ? Sample.HIGH_BYTE : Sample.BYTE;
        if (bands == 1) return convert(image, PillowMode.L, new int[] {0}, sample);
        if (bands == 2) return convert(image, PillowMode.LA, new int[] {0, 1}, sample);
        if (image.getColorModel().hasAlpha() && bands == 4) {
            return convert(image, PillowMode.RGBA, new int[] {0, 1, 2, 3}, sample);
        }
        if (bands == 3) return convert(image, PillowMode.RGB, new int[] {0, 1, 2}, sample);
        // Anything else (e.g. CMYK left unconverted by the reader): let Java2D turn it into sRGB.
        BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        rgb.getGraphics().drawImage(image, 0, 0, null);
        return convert(rgb, PillowMode.RGB, new int[] {0, 1, 2}, Sample.BYTE);
    }

    /**
     * A four-component JPEG as Pillow opens it: mode CMYK, samples inverted (Pillow's rawmode "CMYK;I": it assumes
     * Adobe's convention, which Photoshop and Pillow itself write). The raw raster, so no ICC conversion happens; a
     * YCCK raster (Adobe transform 2) is turned into CMYK first with libjpeg's own integer arithmetic, as libjpeg does
     * for Pillow.
     */
    private static Pixels cmyk(ImageReader reader, JpegMarkers.Frame jpeg) throws IOException {
        Raster r = reader.readRaster(0, null);
        int w = r.getWidth();
        int h = r.getHeight();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 4)];
        int[] row = new int[w * 4];
        boolean ycck = jpeg.adobeTransform() == 2;
        for (int y = 0; y < h; y++) {
            r.getPixels(0, y, w, 1, row);
            int d = y * w * 4;
            if (ycck) {
                for (int i = 0; i < row.length; i += 4, d += 4) YcckToCmyk.invertedCmyk(row, i, out, d);
            } else {
                for (int i = 0; i < row.length; i++) out[d + i] = (byte) (255 - row[i]);
            }
        }
        return new Pixels(w, h, PillowMode.CMYK, out);
    }

    private enum Sample { BYTE, HIGH_BYTE }

    /** Copies the listed raster bands (in output channel order) into an interleaved byte array. */
    private static Pixels convert(BufferedImage image, PillowMode mode, int[] bands, Sample sample) {
        Raster r = image.getRaster();
        int w = r.getWidth();
        int h = r.getHeight();
        int c = bands.length;
        if (sample == Sample.BYTE) {
            byte[] own = reuseRaster(r, bands);
            if (own != null) return new Pixels(w, h, mode, own);
        }
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), c)];
        if (sample == Sample.BYTE && fastCopy(r, bands, out)) return new Pixels(w, h, mode, out);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            for (int ch = 0; ch < c; ch++) {
                r.getSamples(0, y, w, 1, bands[ch], row);
                int base = y * w * c + ch;
                for (int x = 0; x < w; x++) {
                    int v = row[x];
                    out[base + x * c] = (byte) switch (sample) {
                        case BYTE -> v;
                        case HIGH_BYTE -> v >> 8;
                    };
                }
            }
        }
        return new Pixels(w, h, mode, out);
    }

    /**
     * The raster's own array when it is already tightly packed in the wanted band order, or (JPEG's usual BGR) in
     * the reverse order of three bands, which is then swapped to RGB in place. Copying a 24-megapixel raster into a
     * second array cost as much as decoding it; the BufferedImage is dropped afterwards, so nothing else sees it.
     * Null when the layout is anything else.
     */
    private static byte[] reuseRaster(Raster r, int[] bands) {
        if (!(r.getDataBuffer() instanceof DataBufferByte db) || db.getNumBanks() != 1 || db.getOffset() != 0
                || !(r.getSampleModel() instanceof PixelInterleavedSampleModel sm)
                || r.getSampleModelTranslateX() != 0 || r.getSampleModelTranslateY() != 0 || r.getParent() != null) {
            return null;
        }
        int w = r.getWidth();
        int c = bands.length;
        byte[] data = db.getData();
        if (sm.getNumBands() != c || sm.getPixelStride() != c || sm.getScanlineStride() != w * c
                || data.length != (long) w * r.getHeight() * c) {
            return null;
        }
        int[] offsets = sm.getBandOffsets();
        boolean same = true;
        boolean reversed = c == 3;
        for (int ch = 0; ch < c; ch++) {
            same &= offsets[bands[ch]] == ch;
            reversed &= offsets[bands[ch]] == c - 1 - ch;
        }
        if (same) return data;
        if (!reversed) return null;
        for (int i = 0; i < data.length; i += 3) {
            byte first = data[i];
            data[i] = data[i + 2];
            data[i + 2] = first;
        }
        return data;
    }

    /** Direct copy from an interleaved byte raster (JPEG's BGR, PNG's RGB/RGBA): no per-sample virtual calls. */
    private static boolean fastCopy(Raster r, int[] bands, byte[] out) {
        if (!(r.getDataBuffer() instanceof DataBufferByte db) || db.getNumBanks() != 1
                || !(r.getSampleModel() instanceof ComponentSampleModel sm)
                || r.getSampleModelTranslateX() != 0 || r.getSampleModelTranslateY() != 0) {
            return false;
        }
        byte[] src = db.getData();
        int[] offsets = sm.getBandOffsets();
        int stride = sm.getPixelStride();
        int scan = sm.getScanlineStride();
        int base = db.getOffset();
        int w = r.getWidth();
        int h = r.getHeight();
        int c = bands.length;
        for (int b : sm.getBankIndices()) if (b != 0) return false;
        for (int y = 0; y < h; y++) {
            int s = base + y * scan;
            int d = y * w * c;
            for (int x = 0; x < w; x++, s += stride, d += c) {
                for (int ch = 0; ch < c; ch++) out[d + ch] = src[s + offsets[bands[ch]]];
            }
        }
        return true;
    }

    /** "P": indices looked up through the palette now (see {@link PillowMode#P}). */
    private static Pixels palette(BufferedImage image) {
        IndexColorModel icm = (IndexColorModel) image.getColorModel();
        int n = icm.getMapSize();
        byte[] reds = new byte[256];
        byte[] greens = new byte[256];
        byte[] blues = new byte[256];
        icm.getReds(reds);
        icm.getGreens(greens);
        icm.getBlues(blues);
        Raster r = image.getRaster();
        int w = r.getWidth();
        int h = r.getHeight();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            r.getSamples(0, y, w, 1, 0, row);
            for (int x = 0, d = y * w * 3; x < w; x++, d += 3) {
                int i = Math.min(row[x], n - 1);
                out[d] = reds[i];
                out[d + 1] = greens[i];
                out[d + 2] = blues[i];
            }
        }
        return new Pixels(w, h, PillowMode.P, out);
    }

    private static StageException fail(FailureCode code, String message) {
        return new StageException(Stage.DECODE, code, message);
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(8, b.length); i++) s.append(String.format("%02x", b[i] & 0xff));
        return s.toString();
    }

    /**
     * After libjpeg warned. Pillow ignores libjpeg's warnings (corrupt data it decodes through, as a stray restart
     * marker) but refuses a file whose data runs out before libjpeg is done ("image file is truncated").
     */
    private static void refuseIfTruncated(byte[] jpeg, String warning) throws StageException {
        if (JpegMarkers.endsBeforeEoi(jpeg)) {
            throw fail(FailureCode.CORRUPT_IMAGE, "JPEG is truncated (no EOI marker after the scan; libjpeg: "
                    + warning + ")");
        }
    }

    /** Pillow refuses a truncated file ("image file is truncated"); ImageIO only warns and fills with grey. */
    private static final class TruncationWarnings implements javax.imageio.event.IIOReadWarningListener {
        private volatile String first;

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            if (first == null) first = warning;
        }
    }

    /** A PNG's size, bit depth and colour type, as Pillow's open found them ({@link PngChunks#open}). */
    record PngHeader(long width, long height, int bitDepth, int colourType) {
    }
}
