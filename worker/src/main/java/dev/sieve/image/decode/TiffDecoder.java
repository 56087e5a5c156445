package dev.sieve.image.decode;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * A TIFF's first page in the mode Pillow 9.4 opens it in ({@link TiffLayout}), with Pillow's sample values. The
 * first directory is read and checked here ({@link TiffDirectory}); the strips and tiles are decompressed by the
 * JDK's own TIFF reader (none, LZW, Deflate, PackBits, CCITT, JPEG; strips, tiles, planar), whose raster holds the
 * stored samples, which are then turned into Pillow's: min-is-white inverted, 2- and 4-bit grey scaled, palettes
 * looked up through the ColorMap's high bytes, 16-bit colour cut to its high byte, associated alpha divided out,
 * and the wide samples (I;16, I, F) kept whole.
 */
final class TiffDecoder {
    /** The horizontal predictor of samples wider than 8 bits: libtiff undoes it, the JDK's reader refuses it. */
    private static final int NO_PREDICTOR = 1;

    private TiffDecoder() {
    }

    /** The directory and Pillow's layout for it: what the decoder checks before any pixel is decoded. */
    record Header(TiffDirectory directory, TiffLayout layout) {
        long width() {
            return directory.width();
        }

        long height() {
            return directory.height();
        }

        /**
         * How many times its pixel count (at 4 bytes a pixel) decoding holds: the JDK's raster (its samples at their
         * stored width, a byte per sample below 8 bits) and the Pixels made from it.
         */
        int costFactor() {
            // YCbCr: the JDK's raster of blocks, a copy of it and the RGB pixels, 3 bytes a pixel each.
            if (layout == TiffLayout.YCBCR) return 3;
            int samples = Math.max(directory.samplesPerPixel() == null ? 1 : directory.samplesPerPixel(),
                    directory.bitsPerSample().length);
            int widest = java.util.Arrays.stream(directory.bitsPerSample()).max().orElse(8);
            int raster = samples * Math.max(1, (widest + 7) / 8);
            // ZSTD, LZMA, WebP: the rewritten file's Deflate strips besides, at most about the raster's size.
            int rewrite = TiffCodecs.rewrites(directory.compression()) ? raster : 0;
            return Math.max(1, (raster + rewrite + layout.mode().channels() + 3) / 4);
        }
    }

    static Header header(byte[] encoded) throws StageException {
        TiffDirectory d = TiffDirectory.read(encoded);
        TiffLayout layout = TiffLayout.of(d);
        boolean rgbaReader = layout == TiffLayout.YCBCR && d.compression() != 1;
        if (!rgbaReader) d.checkSegmentsStartInFile(encoded.length);
        // libtiff refuses a directory whose PlanarConfiguration is neither 1 nor 2 ("Bad value"), so Pillow cannot
        // load a compressed TIFF with one; its own raw decoder reads such an uncompressed one as chunky.
        if (d.compression() != 1 && d.planar() != 1 && d.planar() != 2) {
            throw TiffDirectory.corrupt("TIFF with PlanarConfiguration " + d.planar() + ": libtiff refuses it, so"
                    + " Pillow cannot load it");
        }
        boolean wideSamples = java.util.Arrays.stream(d.bitsPerSample()).anyMatch(b -> b > 8);
        boolean predicted = d.predictor() != NO_PREDICTOR && d.compression() != 1; // raw data: the tag is ignored
        if (predicted && java.util.Arrays.stream(d.bitsPerSample()).anyMatch(b -> b == 12)) {
            throw TiffDirectory.corrupt("TIFF with predictor " + d.predictor() + " on 12-bit samples: libtiff has none"
                    + " for them (\"not supported with 12-bit samples\"), so Pillow cannot load it");
        }
        if (predicted && wideSamples && !d.undoesPredictorItself() && !d.undoesFloatPredictor()) {
            throw new StageException(Stage.DECODE, FailureCode.UNSUPPORTED_FORMAT, "TIFF with predictor "
                    + d.predictor() + " on samples wider than 8 bits: Pillow (libtiff) decodes it, sieve's TIFF"
                    + " reader (the JDK's) cannot, so it is refused rather than scored differently");
        }
        if (TiffCodecs.rewrites(d.compression())) {
            TiffCodecs.checkLibrary(d.compression());
            if (layout == TiffLayout.YCBCR) {
                throw new StageException(Stage.DECODE, FailureCode.UNSUPPORTED_FORMAT, "YCbCr TIFF compressed with "
                        + d.compression() + ": sieve does not decode it yet");
            }
        }
        if (layout == TiffLayout.YCBCR) TiffYCbCr.check(d);
        return new Header(d, layout);
    }

    /** Decodes the first page; the header has been checked and its pixels admitted by the caller. */
    static Pixels decode(byte[] encoded, Header header) throws StageException {
        if (TiffCodecs.rewrites(header.directory().compression())) {
            // ZSTD, LZMA, WebP: decompressed as libtiff does and handed on as Deflate (TiffCodecs).
            byte[] deflated = TiffCodecs.toDeflate(encoded, header.directory());
            return decode(deflated, new Header(TiffDirectory.read(deflated), header.layout()));
        }
        Pixels decoded = header.layout() == TiffLayout.YCBCR ? TiffYCbCr.decode(encoded, header.directory())
                : readerDecode(encoded, header);
        // TiffImageFile.load_end: Pillow turns every TIFF by its Orientation tag once it is loaded.
        return ExifOrientation.apply(decoded, header.directory().orientation());
    }

    private static Pixels readerDecode(byte[] encoded, Header header) throws StageException {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("tiff");
        if (!readers.hasNext()) {
            throw new StageException(Stage.DECODE, FailureCode.UNSUPPORTED_FORMAT, "no TIFF reader in this JDK");
        }
        ImageReader reader = readers.next();
        TiffCodecs.checkReadable(encoded, header.directory()); // libtiff's read of each compressed strip
        byte[] sized = TiffCodecs.sizeSingleStrip(encoded, header.directory()); // a lone strip counted 0
        if (sized != encoded) return readerDecode(sized, new Header(TiffDirectory.read(sized), header.layout()));
        byte[] readable = header.directory().forReader(encoded);
        TiffDirectory d = header.directory();
        int spp = d.samplesPerPixel() == null ? 1 : d.samplesPerPixel();
        int planes = d.planar() == 2 && spp > 1 ? Math.min(spp, header.layout().mode().channels()) : 1;
        readable = TiffExactStrips.prepare(readable, d, planes);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(readable))) {
            reader.setInput(in, true, true);
            BufferedImage image = reader.read(0);
            if (image.getWidth() != header.directory().readerWidth() || image.getHeight() != header.height()) {
                throw TiffDirectory.corrupt("TIFF reader gave " + image.getWidth() + "x" + image.getHeight()
                        + " for a " + header.directory().readerWidth() + "x" + header.height() + " directory");
            }
            return pillowPixels(image, header);
        } catch (StageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new StageException(Stage.DECODE, FailureCode.CORRUPT_IMAGE, "TIFF could not be decoded: " + e, e);
        } finally {
            reader.dispose();
        }
    }

    private static Pixels pillowPixels(BufferedImage image, Header header) {
        TiffDirectory d = header.directory();
        TiffLayout layout = header.layout();
        Raster r = image.getRaster();
        int w = (int) d.width();
        int h = r.getHeight();
        PillowMode mode = layout.mode();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), mode.channels())];
        ByteBuffer le = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        int[] row = new int[w];
        float[] floats = layout == TiffLayout.FLOAT ? new float[w] : null;
        int bits = d.bitsPerSample()[0];
        // Horizontal differencing left in the samples (see TiffDirectory.undoesPredictorItself), restarting at
        // each tile's left edge.
        Predictor predictor = d.undoesPredictorItself() ? new Predictor(bits, d.segments().tileWidth(),
                d.sampleFormat()[0] == 2) : null;
        int readerWidth = r.getWidth();
        FloatPredictor floatPredictor = d.undoesFloatPredictor() ? new FloatPredictor(
                d.segments().tileWidth() > 0 ? (int) d.segments().tileWidth() : w, d.bigEndian(), readerWidth) : null;
        int[] padded = floatPredictor != null ? new int[readerWidth] : null;
        int[] palette = layout == TiffLayout.PALETTE || layout == TiffLayout.PALETTE_ALPHA ? palette(d.colorMap())
                : null;
        // 2- and 4-bit grey: Pillow's unpackers scale by 0x55 and 0x11; the JDK reader may hand them over through
        // an IndexColorModel, but its raster keeps the stored values.
        int maxGrey = (1 << Math.min(bits, 8)) - 1;
        int c = mode.channels();
        for (int y = 0; y < h; y++) {
            switch (layout) {
                case BILEVEL, GREY -> {
                    r.getSamples(0, y, w, 1, 0, row);
                    // The JDK's reader has already inverted min-is-white samples.
                    for (int x = 0; x < w; x++) out[y * w + x] = (byte) (row[x] * 255 / maxGrey);
                }
                case GREY16 -> {
                    r.getSamples(0, y, w, 1, 0, row);
                    if (predictor != null) predictor.undo(row);
                    // The JDK's reader stretches 12-bit samples to 16 bits (x 65535 / 4095, rounded); Pillow's "I;12"
                    // keeps them as they are. The stretch is one-to-one, so rounding back recovers each sample.
                    if (bits == 12) for (int x = 0; x < w; x++) row[x] = (int) Math.round(row[x] * 4095.0 / 65535.0);
                    for (int x = 0; x < w; x++) le.putShort((y * w + x) * 2, (short) row[x]);
                }
                case INT -> {
                    r.getSamples(0, y, w, 1, 0, row);
                    if (predictor != null) predictor.undo(row);
                    for (int x = 0; x < w; x++) le.putInt((y * w + x) * 4, row[x]);
                }
                case FLOAT -> {
                    if (floatPredictor != null) {
                        r.getSamples(0, y, readerWidth, 1, 0, padded);
                        floatPredictor.undo(padded);
                        System.arraycopy(padded, 0, row, 0, w);
                    } else {
                        r.getSamples(0, y, w, 1, 0, floats);
                        for (int x = 0; x < w; x++) row[x] = Float.floatToRawIntBits(floats[x]);
                    }
                    if (predictor != null) predictor.undo(row);
                    for (int x = 0; x < w; x++) le.putInt((y * w + x) * 4, row[x]);
                }
                case PALETTE -> {
                    r.getSamples(0, y, w, 1, 0, row);
                    for (int x = 0; x < w; x++) {
                        int rgb = palette[row[x] & 0xff];
                        int at = (y * w + x) * 3;
                        out[at] = (byte) (rgb >> 16);
                        out[at + 1] = (byte) (rgb >> 8);
                        out[at + 2] = (byte) rgb;
                    }
                }
                case PALETTE_ALPHA -> {
                    // Kept as indices (see PillowMode.PA): Pillow resamples the index band itself.
                    for (int ch = 0; ch < 2; ch++) {
                        r.getSamples(0, y, w, 1, ch, row);
                        for (int x = 0; x < w; x++) out[(y * w + x) * 2 + ch] = (byte) row[x];
                    }
                }
                default -> {
                    // 8- or 16-bit bands, copied in order (an RGBX's padding band is not copied); 16 bits keep the
                    // high byte, as Pillow's ";16L"/";16B" unpackers do.
                    int shift = bits > 8 ? 8 : 0;
                    for (int ch = 0; ch < c; ch++) {
                        r.getSamples(0, y, w, 1, ch, row);
                        if (predictor != null) predictor.undo(row);
                        for (int x = 0; x < w; x++) out[(y * w + x) * c + ch] = (byte) (row[x] >> shift);
                    }
                    if (layout == TiffLayout.RGBA_PREMULTIPLIED) unpremultiply(out, y * w * 4, w);
                }
            }
        }
        return new Pixels(w, h, mode, out, layout == TiffLayout.PALETTE_ALPHA
                ? RasterBytes.paletteBytes(palette) : null);
    }

    /** libtiff's horAcc16 / horAcc32 on one band's row: each sample plus the one before it, modulo its width. */
    private record Predictor(int bits, long tileWidth, boolean signed) {
        void undo(int[] row) {
            long mask = bits >= 32 ? 0xFFFFFFFFL : (1L << bits) - 1;
            for (int x = 1; x < row.length; x++) {
                if (tileWidth > 0 && x % tileWidth == 0) continue;
                long sum = (row[x] + (long) row[x - 1]) & mask;
                // Signed 16-bit samples come sign-extended from the reader and go back that way.
                row[x] = signed && bits == 16 ? (short) sum : (int) sum;
            }
        }
    }

    /**
     * libtiff's fpAcc on one row of 32-bit samples, a predictor row (a strip's row, or a tile's) at a time: the
     * stored bytes are byte-wise differences of the samples' byte planes, most significant plane first (in a
     * little-endian file). The raster
     * holds each sample's four stored bytes as an int in the file's byte order; they are put back in stream order,
     * summed up, and each sample's bits gathered from the planes.
     */
    private static final class FloatPredictor {
        private final int span;
        private final boolean bigEndian;
        private final byte[] stream;

        FloatPredictor(int span, boolean bigEndian, int width) {
            this.span = span;
            this.bigEndian = bigEndian;
            this.stream = new byte[4 * Math.min(span, width)];
        }

        void undo(int[] row) {
            for (int from = 0; from < row.length; from += span) {
                int n = Math.min(span, row.length - from);
                for (int k = 0; k < n; k++) {
                    int v = row[from + k];
                    for (int j = 0; j < 4; j++) stream[4 * k + j] = (byte) (v >>> (bigEndian ? 24 - 8 * j : 8 * j));
                }
                for (int i = 1; i < 4 * n; i++) stream[i] += stream[i - 1];
                for (int k = 0; k < n; k++) {
                    int bits = (stream[k] & 0xff) << 24 | (stream[n + k] & 0xff) << 16
                            | (stream[2 * n + k] & 0xff) << 8 | stream[3 * n + k] & 0xff;
                    // fpAcc leaves the planes in the host's order and Pillow then unpacks a big-endian file's
                    // samples as big-endian ("F;32BF"): on the little-endian hosts the reference runs on, a
                    // big-endian file's planes are least significant first.
                    row[from + k] = bigEndian ? Integer.reverseBytes(bits) : bits;
                }
            }
        }
    }

    /** Unpack.c unpackRGBa: alpha 0 gives 0,0,0,0; 255 keeps the colour; else each band is clip(v * 255 / a). */
    private static void unpremultiply(byte[] rgba, int from, int pixels) {
        for (int i = 0, at = from; i < pixels; i++, at += 4) {
            int a = rgba[at + 3] & 0xff;
            if (a == 255) continue;
            for (int ch = 0; ch < 3; ch++) {
                rgba[at + ch] = (byte) (a == 0 ? 0 : Math.min(255, (rgba[at + ch] & 0xff) * 255 / a));
            }
        }
    }

    /**
     * Pillow's TIFF palette: each 16-bit ColorMap entry's high byte ({@code b // 256}), the map read as all reds,
     * then all greens, then all blues ("RGB;L"), a third of its length each.
     */
    private static int[] palette(int[] colorMap) {
        int n = colorMap.length / 3;
        int[] rgb = new int[256];
        for (int i = 0; i < Math.min(n, 256); i++) {
            rgb[i] = (colorMap[i] >> 8 & 0xff) << 16 | (colorMap[n + i] >> 8 & 0xff) << 8 | colorMap[2 * n + i] >> 8 & 0xff;
        }
        return rgb;
    }
}
