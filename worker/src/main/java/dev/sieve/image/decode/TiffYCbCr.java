package dev.sieve.image.decode;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import java.util.Arrays;

/**
 * A YCbCr TIFF that is not JPEG-compressed, read as Pillow 9.4 reads it. Uncompressed, Pillow reads its bytes as
 * "RGBX" itself ({@link TiffRawYCbCr}); compressed, it has libtiff convert it ({@code TiffDecode.c},
 * {@code _decodeAsRGBA}: a TIFFRGBAImage read one strip, or one row of tiles, per call), which this class does as
 * libtiff 4.5 does:
 * <ul>
 * <li>chunky data in chroma subsampling blocks ({@code putcontig8bitYCbCrXYtile}: each block's lumas, then Cb and Cr),
 * with the blocks' row stride libtiff's put routines step by, including the 4x4 routine's skip over the part of a
 * right-edge tile past the image, which counts 10 bytes a block instead of 18;</li>
 * <li>planar data (three planes) only without subsampling ({@code putseparate8bitYCbCr11tile});</li>
 * <li>libtiff's fixed-point tables built in single precision from YCbCrCoefficients and ReferenceBlackWhite
 * ({@link Tables});</li>
 * <li>the Orientation tag's flips, within each call's rows;</li>
 * <li>strip reads of the rows rounded up to whole blocks times {@code TIFFScanlineSize}, which rounds down: with 4x4
 * subsampling and an odd number of blocks across, a strip's last bytes are not decoded and read as zeros;</li>
 * <li>a damaged strip or tile does not stop the reader: what its decoder wrote is converted, over zeros (a strip, a
 * row's first tile, a plane) or over the tile read before it (the call's buffer is reused across its row)
 * ({@link TiffStripDecoder}); only a first read whose data is not in the file stops it.</li>
 * </ul>
 * Pillow then turns the image by its Orientation tag, as it does every TIFF ({@link TiffDecoder}). Tiled planar data,
 * compressions other than LZW, Deflate and PackBits, and old-style LZW are refused (Pillow decodes them; sieve does
 * not yet).
 */
final class TiffYCbCr {
    private static final int UNCOMPRESSED = 1;
    private static final int HORIZONTAL = 2;
    private static final int FLIP_VERTICALLY = 1;
    private static final int FLIP_HORIZONTALLY = 2;

    private TiffYCbCr() {
    }

    /** The refusals that need no pixel: what Pillow (libtiff) refuses, and what sieve does not decode. */
    static void check(TiffDirectory d) throws StageException {
        TiffDirectory.Segments s = d.segments();
        boolean tiled = s.tileWidth() > 0 || s.tileLength() > 0;
        if (tiled && d.planar() == 2) {
            throw new StageException(Stage.DECODE, FailureCode.UNSUPPORTED_FORMAT, "TIFF refused: tiled planar YCbCr"
                    + " that is not JPEG-compressed (Pillow 9.4 decodes it, sieve does not)");
        }
        if (tiled ? s.tileWidth() <= 0 || s.tileLength() <= 0 : s.rowsPerStrip() == 0) {
            throw TiffDirectory.corrupt("YCbCr TIFF with empty strips or tiles");
        }
        if (d.compression() == UNCOMPRESSED) return;
        int h = d.ycbcr().horizontal();
        int v = d.ycbcr().vertical();
        boolean listed = d.planar() == 2 ? h == 1 && v == 1
                : (h == 1 || h == 2 || h == 4) && (v == 1 || v == 2 || v == 4) && v <= h || h == 1 && v == 2;
        if (!listed) {
            throw TiffDirectory.corrupt("YCbCr TIFF (" + (d.planar() == 2 ? "planar" : "chunky") + ") with " + h + "x"
                    + v + " chroma subsampling: libtiff's RGBA reader has no routine for it, so Pillow cannot load it");
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
        if (d.compression() == UNCOMPRESSED) return TiffRawYCbCr.decode(file, d);
        return new Conversion(file, d).run();
    }

    /** One image through libtiff's RGBA reader. */
    private static final class Conversion {
        private final byte[] file;
        private final TiffDirectory d;
        private final int width;
        private final int height;
        private final int hs;
        private final int vs;
        private final int blockSize;
        private final Tables tables;
        private final boolean flipVertically;
        private final boolean flipHorizontally;
        private final TiffStripDecoder decoder = new TiffStripDecoder();
        private final byte[] out;

        Conversion(byte[] file, TiffDirectory d) throws StageException {
            this.file = file;
            this.d = d;
            width = (int) d.width();
            height = (int) d.height();
            hs = d.ycbcr().horizontal();
            vs = d.ycbcr().vertical();
            blockSize = hs * vs + 2;
            tables = new Tables(d.ycbcr().coefficients(), d.ycbcr().referenceBlackWhite());
            int flips = flips(d.orientation());
            flipVertically = (flips & FLIP_VERTICALLY) != 0;
            flipHorizontally = (flips & FLIP_HORIZONTALLY) != 0;
            out = new byte[Math.multiplyExact(Math.multiplyExact(width, height), 3)];
        }

        Pixels run() throws StageException {
            if (d.segments().tileWidth() > 0) {
                tiles();
            } else if (d.planar() == 2) {
                planarStrips();
            } else {
                strips();
            }
            if (flipHorizontally) {
                for (int row = 0; row < height; row++) {
                    for (int l = row * width, r = l + width - 1; l < r; l++, r--) {
                        for (int c = 0; c < 3; c++) {
                            byte t = out[l * 3 + c];
                            out[l * 3 + c] = out[r * 3 + c];
                            out[r * 3 + c] = t;
                        }
                    }
                }
            }
            return new Pixels(width, height, PillowMode.RGB, out, null);
        }

        /** gtStripContig, one strip per call. */
        private void strips() throws StageException {
            long rps = Math.min(d.segments().rowsPerStrip(), height);
            int strips = segments(ceilDiv(height, rps));
            long blocksAcross = ceilDiv(width, hs);
            long samplingRow = blocksAcross * blockSize;
            long scanline = samplingRow / vs;
            byte[] strip = buffer(ceilDiv(rps, vs) * samplingRow);
            for (int s = 0; s < strips; s++) {
                int first = (int) (s * rps);
                int rows = (int) Math.min(rps, height - first);
                // What gtStripContig asks for: the rows rounded up to whole blocks, times the scanline.
                int need = (int) (ceilDiv(rows, vs) * vs * scanline);
                Arrays.fill(strip, (byte) 0);
                read(s, strip, need, ceilDiv(rows, vs) * samplingRow, scanline, 3, true);
                put(strip, 0, samplingRow, width, 0, first, rows);
            }
        }

        /** gtTileContig, one row of tiles per call, its buffer reused from tile to tile. */
        private void tiles() throws StageException {
            TiffDirectory.Segments s = d.segments();
            int tw = (int) Math.min(s.tileWidth(), Integer.MAX_VALUE);
            int th = (int) Math.min(s.tileLength(), Integer.MAX_VALUE);
            long across = ceilDiv(width, tw);
            long down = ceilDiv(height, th);
            segments(across * down);
            long tileRow = ceilDiv(tw, hs) * blockSize;
            long tileSize = ceilDiv(th, vs) * tileRow;
            // PredictorDecodeTile's rows are TIFFTileRowSize, which ignores the subsampling: 3 bytes a pixel.
            long predictorRow = 3L * tw;
            byte[] tile = buffer(tileSize);
            for (int ty = 0; ty < down; ty++) {
                int first = ty * th;
                int rows = Math.min(th, height - first);
                Arrays.fill(tile, (byte) 0);
                for (int tx = 0; tx < across; tx++) {
                    int x0 = tx * tw;
                    int thisTw = Math.min(tw, width - x0);
                    // The put routines skip the part of an edge tile past the image in whole blocks, the 4x4 one
                    // counting 10 bytes a block.
                    long skip = (tw - thisTw) / hs * (hs == 4 && vs == 4 ? 10 : blockSize);
                    read((int) (ty * across + tx), tile, (int) tileSize, tileSize, predictorRow, 3, tx == 0);
                    put(tile, 0, ceilDiv(thisTw, hs) * blockSize + skip, thisTw, x0, first, rows);
                }
            }
        }

        /** gtStripSeparate with putseparate8bitYCbCr11tile: three planes a strip, read into one zeroed buffer. */
        private void planarStrips() throws StageException {
            long rps = Math.min(d.segments().rowsPerStrip(), height);
            int strips = (int) ceilDiv(height, rps);
            segments(3L * strips);
            long stripSize = rps * width;
            byte[] planes = buffer(3 * stripSize);
            for (int s = 0; s < strips; s++) {
                int first = (int) (s * rps);
                int rows = (int) Math.min(rps, height - first);
                int need = rows * width;
                Arrays.fill(planes, (byte) 0);
                for (int p = 0; p < 3; p++) {
                    byte[] plane = p == 0 ? planes : new byte[need];
                    read(p * strips + s, plane, need, need, width, 1, p == 0);
                    if (p > 0) System.arraycopy(plane, 0, planes, (int) (p * stripSize), need);
                }
                for (int r = 0; r < rows; r++) {
                    int row = first + (flipVertically ? rows - 1 - r : r);
                    for (int x = 0; x < width; x++) {
                        int at = r * width + x;
                        tables.toRgb(planes[at] & 0xff, planes[(int) (stripSize + at)] & 0xff,
                                planes[(int) (2 * stripSize + at)] & 0xff, out, (row * width + x) * 3);
                    }
                }
            }
        }

        /** Checks that the file lists the segments libtiff reads; their number. */
        private int segments(long needed) throws StageException {
            if (d.segments().offsets().length < needed) {
                throw TiffDirectory.corrupt("YCbCr TIFF with " + d.segments().offsets().length + " strips or tiles"
                        + " where its size needs " + needed);
            }
            return (int) needed;
        }

        private static byte[] buffer(long size) throws StageException {
            if (size > Integer.MAX_VALUE - 16) throw TiffDirectory.corrupt("YCbCr TIFF strips of " + size + " bytes");
            return new byte[(int) size];
        }

        /**
         * Reads segment {@code i} into {@code into[0, need)}: TIFFFillStrip/TIFFFillTile's read (a segment that is
         * empty or runs past the file stops the image when it is the call's first read, and leaves the buffer as it
         * was otherwise), the decoder, then the predictor over rows of {@code predictorRow} bytes, only when the
         * decoder filled the request and the rows divide it and hold whole pixels.
         */
        private void read(int i, byte[] into, int need, long whole, long predictorRow, int stride, boolean first)
                throws StageException {
            long offset = d.segments().offsets()[i];
            long count = d.segments().counts()[i];
            if (count <= 0 || count > file.length - offset) {
                if (!first) return;
                throw TiffDirectory.corrupt("YCbCr strip or tile " + i + " of " + count + " bytes at " + offset
                        + " is empty or runs past the end of the file (" + file.length + " bytes)");
            }
            if (d.compression() == TiffStripDecoder.LZW && TiffStripDecoder.oldStyleLzw(file, (int) offset,
                    (int) count)) {
                throw new StageException(Stage.DECODE, FailureCode.UNSUPPORTED_FORMAT, "TIFF refused: YCbCr strip or"
                        + " tile " + i + " in old-style (pre-1990) LZW codes, which sieve does not decode");
            }
            boolean decoded = decoder.decode(d.compression(), file, (int) offset, (int) count, into, need, whole)
                    .decoded();
            if (decoded && d.predictor() == HORIZONTAL && need % predictorRow == 0 && predictorRow % stride == 0) {
                for (int from = 0; from < need; from += (int) predictorRow) {
                    for (int k = from + stride; k < from + predictorRow; k++) into[k] += into[k - stride];
                }
            }
        }

        /**
         * The put routine over one strip or tile of blocks: {@code w} pixels from column {@code x0}, {@code rows}
         * rows from row {@code first} (flipped within them when the orientation asks), blocks
         * {@code blockRowStride} bytes a row of blocks apart.
         */
        private void put(byte[] blocks, int from, long blockRowStride, int w, int x0, int first, int rows) {
            int lumas = hs * vs;
            for (int r = 0; r < rows; r++) {
                int row = first + (flipVertically ? rows - 1 - r : r);
                long blockRow = from + r / vs * blockRowStride;
                int line = r % vs * hs;
                for (int x = 0; x < w; x++) {
                    int block = (int) (blockRow + (long) (x / hs) * blockSize);
                    tables.toRgb(blocks[block + line + x % hs] & 0xff, blocks[block + lumas] & 0xff,
                            blocks[block + lumas + 1] & 0xff, out, (row * width + x0 + x) * 3);
                }
            }
        }
    }

    /** Rounded-up division of non-negative numbers (Math.ceilDiv is Java 18). */
    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** libtiff's setorientation for a requested ORIENTATION_TOPLEFT, which Pillow asks for. */
    static int flips(int orientation) {
        return switch (orientation) {
            case 2, 6 -> FLIP_HORIZONTALLY; // TOPRIGHT, RIGHTTOP
            case 3, 7 -> FLIP_HORIZONTALLY | FLIP_VERTICALLY; // BOTRIGHT, RIGHTBOT
            case 4, 8 -> FLIP_VERTICALLY; // BOTLEFT, LEFTBOT
            default -> 0; // TOPLEFT, LEFTTOP
        };
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
