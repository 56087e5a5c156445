package dev.sieve.image.decode;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import java.util.Arrays;

/**
 * A YCbCr TIFF that is not JPEG-compressed, read as Pillow 9.4 reads it. Pillow has two paths for it, and neither
 * is a plain YCbCr to RGB conversion:
 * <ul>
 * <li>Uncompressed, Pillow's own raw decoder reads it with the raw mode its OPEN_INFO table gives the key, "RGBX"
 * (meant for libtiff's JPEG path): four stored bytes a pixel from each strip's offset on, byte counts ignored, the
 * fourth dropped. The pixels are the stored bytes, misaligned; a file too short for four bytes a pixel is
 * truncated.</li>
 * <li>Compressed, Pillow has libtiff convert it ({@code TiffDecode.c}, {@code _decodeAsRGBA}: a TIFFRGBAImage read
 * one strip per call): chroma subsampling blocks ({@code putcontig8bitYCbCrXYtile}), libtiff's fixed-point tables
 * built in single precision from YCbCrCoefficients and ReferenceBlackWhite ({@link Tables}), and the Orientation
 * tag's flips, applied within each strip, as each call flips its own rows. libtiff asks for a strip's rows rounded up
 * to whole blocks times its scanline size, which it rounds down ({@code TIFFScanlineSize}): with 4x4 subsampling
 * and an odd number of blocks across, a strip's last bytes are not decoded and read as zeros. A damaged strip does not
 * stop that reader: what its decoder wrote before the error is converted, the rest is zeros
 * ({@link TiffStripDecoder}).</li>
 * </ul>
 * Pillow then turns the image by its Orientation tag, as it does every TIFF ({@link TiffDecoder}). Tiled and planar
 * files, compressions other than LZW, Deflate and PackBits, and old-style LZW are refused (Pillow decodes them; sieve
 * does not yet).
 */
final class TiffYCbCr {
    private static final int UNCOMPRESSED = 1;
    private static final int HORIZONTAL = 2;

    private TiffYCbCr() {
    }

    /** The refusals that need no pixel: what Pillow (libtiff) refuses, and what sieve does not decode. */
    static void check(TiffDirectory d) throws StageException {
        TiffDirectory.Segments s = d.segments();
        if (s.tileWidth() > 0 || s.tileLength() > 0 || d.planar() != 1) {
            throw new StageException(Stage.DECODE, FailureCode.UNSUPPORTED_FORMAT, "TIFF refused: "
                    + (d.planar() != 1 ? "planar" : "tiled") + " YCbCr that is not JPEG-compressed (Pillow 9.4"
                    + " decodes it, sieve only the chunky strips of this layout)");
        }
        if (s.rowsPerStrip() == 0) throw TiffDirectory.corrupt("YCbCr TIFF with zero rows per strip");
        if (d.compression() == UNCOMPRESSED) return;
        int h = d.ycbcr().horizontal();
        int v = d.ycbcr().vertical();
        boolean listed = (h == 1 || h == 2 || h == 4) && (v == 1 || v == 2 || v == 4) && v <= h
                || h == 1 && v == 2;
        if (!listed) {
            throw TiffDirectory.corrupt("YCbCr TIFF with " + h + "x" + v + " chroma subsampling: libtiff's RGBA"
                    + " reader has no routine for it, so Pillow cannot load it");
        }
        if (!TiffStripDecoder.decodes(d.compression())) {
            throw new StageException(Stage.DECODE, FailureCode.UNSUPPORTED_FORMAT, "TIFF refused: YCbCr with"
                    + " compression " + d.compression() + " (sieve decodes LZW, Deflate and PackBits for this layout)");
        }
        if (d.predictor() != 1 && d.predictor() != HORIZONTAL) {
            throw TiffDirectory.corrupt("YCbCr TIFF with predictor " + d.predictor() + " on 8-bit samples: libtiff"
                    + " refuses it, so Pillow cannot load it");
        }
        float[] luma = d.ycbcr().coefficients();
        if (Float.isNaN(luma[0]) || Float.isNaN(luma[1]) || luma[1] == 0f || Float.isNaN(luma[2])) {
            throw TiffDirectory.corrupt("YCbCr TIFF with invalid YCbCrCoefficients " + Arrays.toString(luma));
        }
        for (float f : d.ycbcr().referenceBlackWhite()) {
            if (!(f > (float) (-0x7FFFFFFF + 128) && f < (float) 0x7FFFFFFF)) {
                throw TiffDirectory.corrupt("YCbCr TIFF with invalid ReferenceBlackWhite "
                        + Arrays.toString(d.ycbcr().referenceBlackWhite()));
            }
        }
    }

    static Pixels decode(byte[] file, TiffDirectory d) throws StageException {
        return d.compression() == UNCOMPRESSED ? rawRgbx(file, d) : converted(file, d);
    }

    /**
     * ImageFile.load over TiffImagePlugin's strips: strip i covers rows from i x RowsPerStrip (wrapping to the top
     * past the last row), the strips are decoded in file order, each reading four bytes a pixel from its offset.
     * Only the strip that Pillow decodes last for a band of rows is copied, so a file of many strips over the same
     * rows costs what one strip a band does.
     */
    private static Pixels rawRgbx(byte[] file, TiffDirectory d) throws StageException {
        int w = (int) d.width();
        int h = (int) d.height();
        long rps = Math.min(d.segments().rowsPerStrip(), h);
        int strips = (int) ceilDiv(h, rps);
        long[] offsets = d.segments().offsets();
        long rowBytes = 4L * w;
        // Strip i decodes rows from (i mod strips) x rps; decoded in file order, the strip at the highest offset
        // (the later one of equal offsets) is what stays of each band of rows. Every strip must fit the file.
        int[] last = new int[strips];
        Arrays.fill(last, -1);
        for (int i = 0; i < offsets.length; i++) {
            int band = i % strips;
            long need = Math.min(rps, h - band * rps) * rowBytes;
            if (need > file.length - offsets[i]) {
                throw TiffDirectory.corrupt("uncompressed YCbCr strip at " + offsets[i] + ": Pillow reads it as RGBX, "
                        + need + " bytes, and the file has " + (file.length - offsets[i]) + " left: truncated");
            }
            if (last[band] < 0 || offsets[i] >= offsets[last[band]]) last[band] = i;
        }
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        for (int band = 0; band < strips; band++) {
            if (last[band] < 0) continue; // fewer strips than bands: those rows stay black
            int at = (int) offsets[last[band]];
            for (long row = band * rps; row < Math.min(h, (band + 1) * rps); row++) {
                int to = (int) (row * w * 3);
                for (int x = 0; x < w; x++, at += 4, to += 3) System.arraycopy(file, at, out, to, 3);
            }
        }
        return new Pixels(w, h, PillowMode.RGB, out, null);
    }

    private static Pixels converted(byte[] file, TiffDirectory d) throws StageException {
        Geometry g = new Geometry(d);
        Tables tables = new Tables(d.ycbcr().coefficients(), d.ycbcr().referenceBlackWhite());
        int w = g.width;
        int hs = g.hs;
        int vs = g.vs;
        int blockSize = hs * vs + 2;
        boolean flipVertically = (flips(d.orientation()) & FLIP_VERTICALLY) != 0;
        boolean flipHorizontally = (flips(d.orientation()) & FLIP_HORIZONTALLY) != 0;
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, g.height), 3)];
        byte[] strip = new byte[(int) (g.rowsView * g.samplingRow)];
        long[] offsets = d.segments().offsets();
        long[] counts = d.segments().counts();
        TiffStripDecoder decoder = new TiffStripDecoder();
        for (int s = 0; s < g.strips; s++) {
            // TIFFFillStrip: a strip that is empty or runs past the end of the file is a read error, and the
            // first read of a call failing stops the whole image.
            if (counts[s] <= 0 || counts[s] > file.length - offsets[s]) {
                throw TiffDirectory.corrupt("YCbCr strip " + s + " of " + counts[s] + " bytes at " + offsets[s]
                        + " is empty or runs past the end of the file (" + file.length + " bytes)");
            }
            if (d.compression() == TiffStripDecoder.LZW
                    && TiffStripDecoder.oldStyleLzw(file, (int) offsets[s], (int) counts[s])) {
                throw new StageException(Stage.DECODE, FailureCode.UNSUPPORTED_FORMAT, "TIFF refused: YCbCr strip "
                        + s + " in old-style (pre-1990) LZW codes, which sieve does not decode");
            }
            int first = (int) (s * g.rps);
            int rows = g.rows(s);
            int need = (int) g.need(s);
            // libtiff decodes `need` bytes into a buffer it zeroed: the rest of the strip reads as zeros, and so
            // does whatever a damaged strip did not fill (its RGBA reader goes on after a failed strip).
            Arrays.fill(strip, (byte) 0);
            boolean whole = decoder.decode(d.compression(), file, (int) offsets[s], (int) counts[s], strip,
                    need, ceilDiv(rows, vs) * g.samplingRow);
            // The predictor runs only on a strip that decoded, and not at all over rows of partial pixels.
            if (whole && d.predictor() == HORIZONTAL && g.scanline % 3 == 0) accumulate(strip, need, g.scanline);
            for (int r = 0; r < rows; r++) {
                int row = first + (flipVertically ? rows - 1 - r : r);
                int blockRow = (int) (r / vs * g.blocksAcross);
                int line = r % vs * hs;
                for (int x = 0; x < w; x++) {
                    int block = (blockRow + x / hs) * blockSize;
                    int at = (row * w + (flipHorizontally ? w - 1 - x : x)) * 3;
                    tables.toRgb(strip[block + line + x % hs] & 0xff, strip[block + hs * vs] & 0xff,
                            strip[block + hs * vs + 1] & 0xff, out, at);
                }
            }
        }
        return new Pixels(w, g.height, PillowMode.RGB, out, null);
    }

    /** libtiff's horAcc8 with a stride of 3, over rows of a scanline each. */
    private static void accumulate(byte[] strip, int need, long scanline) {
        for (int from = 0; from + scanline <= need; from += (int) scanline) {
            for (int i = from + 3; i < from + scanline; i++) strip[i] += strip[i - 3];
        }
    }

    /** Rounded-up division of non-negative numbers (Math.ceilDiv is Java 18). */
    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static final int FLIP_VERTICALLY = 1;
    private static final int FLIP_HORIZONTALLY = 2;

    /** libtiff's setorientation for a requested ORIENTATION_TOPLEFT, which Pillow asks for. */
    static int flips(int orientation) {
        return switch (orientation) {
            case 2, 6 -> FLIP_HORIZONTALLY; // TOPRIGHT, RIGHTTOP
            case 3, 7 -> FLIP_HORIZONTALLY | FLIP_VERTICALLY; // BOTRIGHT, RIGHTBOT
            case 4, 8 -> FLIP_VERTICALLY; // BOTLEFT, LEFTBOT
            default -> 0; // TOPLEFT, LEFTTOP
        };
    }

    /** The strips as libtiff sizes them: blocks across, the bytes of a row of blocks, the scanline, the reads. */
    private static final class Geometry {
        final int width;
        final int height;
        final int hs;
        final int vs;
        final long rps;
        final int strips;
        final long blocksAcross;
        final long samplingRow;
        final long scanline;
        /** Rows of blocks in a whole strip. */
        final long rowsView;

        Geometry(TiffDirectory d) throws StageException {
            width = (int) d.width();
            height = (int) d.height();
            hs = d.ycbcr().horizontal();
            vs = d.ycbcr().vertical();
            rps = Math.min(d.segments().rowsPerStrip(), height);
            strips = (int) ceilDiv(height, rps);
            if (d.segments().offsets().length < strips) {
                throw TiffDirectory.corrupt("YCbCr TIFF with " + d.segments().offsets().length + " strips where its "
                        + height + " rows of " + rps + " need " + strips);
            }
            blocksAcross = ceilDiv(width, hs);
            samplingRow = blocksAcross * (hs * vs + 2);
            scanline = samplingRow / vs;
            rowsView = ceilDiv(rps, vs);
            if (samplingRow > Integer.MAX_VALUE / Math.max(1, rowsView) / 2) {
                throw TiffDirectory.corrupt("YCbCr TIFF strips of " + rowsView + " x " + samplingRow + " bytes");
            }
        }

        int rows(int strip) {
            return (int) Math.min(rps, height - strip * rps);
        }

        /** What gtStripContig asks TIFFReadEncodedStrip for: the rows rounded up to blocks, times the scanline. */
        long need(int strip) {
            return ceilDiv(rows(strip), vs) * vs * scanline;
        }
    }

    /**
     * libtiff 4.5's TIFFYCbCrToRGBInit and TIFFYCbCrtoRGB: tables in 16-bit fixed point, their inputs computed in
     * single precision as the C code does (Java's float arithmetic is IEEE single, as the C compiler's on x86-64).
     */
    static final class Tables {
        private static final int SHIFT = 16;
        private static final int ONE_HALF = 1 << (SHIFT - 1);
        private final int[] crR = new int[256];
        private final int[] cbB = new int[256];
        private final int[] crG = new int[256];
        private final int[] cbG = new int[256];
        private final int[] y = new int[256];

        Tables(float[] luma, float[] refBlackWhite) {
            float f1 = 2 - 2 * luma[0];
            int d1 = fix(clamp(f1, 0f, 2f));
            float f2 = luma[0] * f1 / luma[1];
            int d2 = -fix(clamp(f2, 0f, 2f));
            float f3 = 2 - 2 * luma[2];
            int d3 = fix(clamp(f3, 0f, 2f));
            float f4 = luma[2] * f3 / luma[1];
            int d4 = -fix(clamp(f4, 0f, 2f));
            for (int i = 0, x = -128; i < 256; i++, x++) {
                int cr = (int) clampW(code2V(x, refBlackWhite[4] - 128f, refBlackWhite[5] - 128f, 127));
                int cb = (int) clampW(code2V(x, refBlackWhite[2] - 128f, refBlackWhite[3] - 128f, 127));
                crR[i] = (d1 * cr + ONE_HALF) >> SHIFT;
                cbB[i] = (d3 * cb + ONE_HALF) >> SHIFT;
                crG[i] = d2 * cr;
                cbG[i] = d4 * cb + ONE_HALF;
                y[i] = (int) clampW(code2V(x + 128, refBlackWhite[0], refBlackWhite[1], 255));
            }
        }

        /** The C macro FIX: the float times 65536 (exact), promoted to double for the + 0.5, truncated. */
        private static int fix(float x) {
            return (int) ((double) (x * 65536f) + 0.5);
        }

        /** CLAMP, written as libtiff writes it so that NaN gives the minimum. */
        private static float clamp(float f, float min, float max) {
            return !(f >= min) ? min : f > max ? max : f;
        }

        private static float clampW(float v) {
            return v < -128f * 32 ? -128f * 32 : v > 128f * 32 ? 128f * 32 : v;
        }

        /** Code2V: {@code ((c - (int32_t) rb) * (float) cr) / (float) (rw - rb != 0 ? rw - rb : 1)}. */
        private static float code2V(int c, float rb, float rw, int cr) {
            float range = rw - rb != 0 ? rw - rb : 1;
            return (c - (int) rb) * (float) cr / range;
        }

        void toRgb(int yy, int cb, int cr, byte[] out, int at) {
            int base = y[yy];
            out[at] = clamp255(base + crR[cr]);
            out[at + 1] = clamp255(base + ((cbG[cb] + crG[cr]) >> SHIFT));
            out[at + 2] = clamp255(base + cbB[cb]);
        }

        private static byte clamp255(int i) {
            return (byte) (i < 0 ? 0 : Math.min(i, 255));
        }
    }
}
