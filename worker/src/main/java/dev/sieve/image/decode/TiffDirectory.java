package dev.sieve.image.decode;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;

/**
 * The tags of a TIFF's first image file directory that decide how Pillow opens it, read without ImageIO and with
 * every offset and count checked against the file before anything is read or allocated: the directory must lie
 * in the file, each value's bytes too, arrays are bounded by what the tag can mean (at most 16 samples, a palette
 * of at most 2^16 x 3 entries), and the strips or tiles must start inside the file. A byte count that runs past
 * the end (a strip that claims 4 GB of a 10 kB file) is cut to the file's end for the reader, as Pillow reads what
 * is there; an uncompressed strip whose rows are not all there is refused, as Pillow refuses it ("buffer is not
 * large enough"). Only the first directory is read, as Pillow reads only the first frame: a chain of directories
 * that loops is never followed.
 *
 * @param bitsPerSample  as stored (Pillow's default (1,) when absent)
 * @param sampleFormat   as stored (default (1,))
 * @param extraSamples   as stored (default ())
 * @param samplesPerPixel null when absent (Pillow's default depends on the compression)
 * @param colorMap       the palette's 16-bit entries (all reds, greens, blues), or null
 * @param orientation    1 to 8, as libtiff keeps it (1 when absent or out of range)
 * @param ycbcr          the tags libtiff's YCbCr to RGB conversion reads, with libtiff's defaults
 */
record TiffDirectory(boolean bigEndian, long width, long height, int photometric, int compression, int planar,
                     int fillOrder, int predictor, int[] bitsPerSample, int[] sampleFormat, int[] extraSamples,
                     Integer samplesPerPixel, int[] colorMap, int orientation, YCbCr ycbcr, Segments segments) {

    /**
     * YCbCrSubsampling (default 2, 2), YCbCrCoefficients (default 0.299, 0.587, 0.114) and ReferenceBlackWhite
     * (default 0, 255, 128, 255, 128, 255), as libtiff reads them: floats, a rational as {@code (float) n / (float) d}
     * (0 when d is 0), a tag with the wrong number of values ignored.
     */
    record YCbCr(int horizontal, int vertical, float[] coefficients, float[] referenceBlackWhite) {
        static final float[] COEFFICIENTS = {0.299f, 0.587f, 0.114f};
        static final float[] REFERENCE_BLACK_WHITE = {0f, 255f, 128f, 255f, 128f, 255f};
    }

    /**
     * Where the strips (or tiles) lie: offsets and byte counts as stored, where the counts' values sit in the file
     * (to cut them), the rows per strip or the tile size.
     */
    record Segments(long[] offsets, long[] counts, int countsAt, int countsType, long rowsPerStrip, long tileWidth,
                    long tileLength, int predictorAt, int sampleFormatAt, int photometricAt, int widthAt,
                    int widthType) {
    }

    static final int MAX_SAMPLES = 16;
    private static final int YCBCR_COEFFICIENTS = 529;
    private static final int YCBCR_SUBSAMPLING = 530;
    private static final int REFERENCE_BLACK_WHITE = 532;
    private static final int CIELAB = 8;

    static TiffDirectory read(byte[] b) throws StageException {
        if (b.length < 8) throw corrupt("TIFF shorter than its 8-byte header (" + b.length + " bytes)");
        boolean big = b[0] == 'M';
        Reader r = new Reader(b, big);
        long ifd = r.u32(4);
        if (ifd < 8 || ifd + 2 > b.length) throw corrupt("first directory at " + ifd + " is outside the file");
        int entries = r.u16((int) ifd);
        if (entries == 0) throw corrupt("first directory has no entries");
        if (ifd + 2 + 12L * entries > b.length) {
            throw corrupt("first directory's " + entries + " entries run past the end of the file");
        }
        long width = -1;
        long height = -1;
        int photometric = 0;
        int compression = 1;
        int planar = 1;
        int fillOrder = 1;
        int predictor = 1;
        int[] bits = {1};
        int[] format = {1};
        int[] extra = {};
        Integer spp = null;
        int[] colorMap = null;
        int orientation = 1;
        int[] subsampling = {2, 2};
        float[] coefficients = YCbCr.COEFFICIENTS;
        float[] referenceBlackWhite = YCbCr.REFERENCE_BLACK_WHITE;
        long[] offsets = null;
        long[] counts = null;
        int countsAt = -1;
        int countsType = 0;
        long rowsPerStrip = 0xFFFFFFFFL;
        long tileWidth = 0;
        long tileLength = 0;
        int predictorAt = -1;
        int sampleFormatAt = -1;
        int photometricAt = -1;
        int widthAt = -1;
        int widthType = 0;
        for (int i = 0; i < entries; i++) {
            int at = (int) ifd + 2 + 12 * i;
            int tag = r.u16(at);
            int type = r.u16(at + 2);
            long count = r.u32(at + 4);
            boolean floats = tag == YCBCR_COEFFICIENTS || tag == REFERENCE_BLACK_WHITE;
            int size = switch (type) {
                case 1 -> 1;
                case 3 -> 2;
                case 4 -> 4;
                case 5, 12 -> floats ? 8 : 0; // RATIONAL, DOUBLE: only where libtiff reads floats
                case 11 -> floats ? 4 : 0; // FLOAT
                default -> 0;
            };
            if (size == 0 || count == 0) continue; // a type these tags never use: ignored, as Pillow ignores it
            long bytes = count * size;
            long valueAt = bytes <= 4 ? at + 8 : r.u32(at + 8);
            if (valueAt + bytes > b.length) {
                // Only libtiff reads the YCbCr tags, and it ignores one it cannot read.
                if (tag == YCBCR_COEFFICIENTS || tag == YCBCR_SUBSAMPLING || tag == REFERENCE_BLACK_WHITE) continue;
                throw corrupt("tag " + tag + "'s " + count + " values at " + valueAt + " run past the end of the file ("
                        + b.length + " bytes)");
            }
            Values v = new Values(r, (int) valueAt, type, count);
            switch (tag) {
                case 256 -> {
                    width = v.get(0);
                    widthAt = (int) valueAt;
                    widthType = type;
                }
                case 257 -> height = v.get(0);
                case 258 -> bits = v.small(MAX_SAMPLES, "BitsPerSample");
                case 259 -> compression = (int) v.get(0);
                case 262 -> {
                    photometric = (int) v.get(0);
                    photometricAt = type == 3 ? (int) valueAt : -1;
                }
                case 266 -> fillOrder = (int) v.get(0);
                case 273, 324 -> offsets = v.all(b.length, "strip or tile offsets");
                case 279, 325 -> {
                    counts = v.all(b.length, "strip or tile byte counts");
                    countsAt = (int) valueAt;
                    countsType = type;
                }
                case 278 -> rowsPerStrip = v.get(0);
                case 322 -> tileWidth = v.get(0);
                case 323 -> tileLength = v.get(0);
                case 277 -> spp = (int) Math.min(v.get(0), Integer.MAX_VALUE);
                case 284 -> planar = (int) v.get(0);
                case 317 -> {
                    predictor = (int) v.get(0);
                    predictorAt = type == 3 ? (int) valueAt : -1;
                }
                case 320 -> colorMap = toInts(v.all(3 * 65536, "ColorMap"));
                case 274 -> {
                    long o = v.get(0);
                    orientation = count == 1 && o >= 1 && o <= 8 ? (int) o : 1;
                }
                case YCBCR_SUBSAMPLING -> {
                    if (count == 2) subsampling = new int[] {(int) v.get(0), (int) v.get(1)};
                }
                case YCBCR_COEFFICIENTS -> {
                    if (count == 3) coefficients = v.floats();
                }
                case REFERENCE_BLACK_WHITE -> {
                    if (count == 6) referenceBlackWhite = v.floats();
                }
                case 338 -> extra = v.small(MAX_SAMPLES, "ExtraSamples");
                case 339 -> {
                    format = v.small(MAX_SAMPLES, "SampleFormat");
                    sampleFormatAt = type == 3 && count == 1 ? (int) valueAt : -1;
                }
                default -> {
                }
            }
        }
        TiffCodecs.checkKnown(compression); // Pillow looks the compression up before anything else
        if (width < 1 || height < 1) throw corrupt("TIFF without a usable size (" + width + "x" + height + ")");
        if (offsets == null || counts == null || offsets.length != counts.length) {
            throw corrupt("TIFF without matching strip or tile offsets and byte counts");
        }
        return new TiffDirectory(big, width, height, photometric, compression, planar, fillOrder, predictor, bits,
                format, extra, spp, colorMap, orientation,
                new YCbCr(subsampling[0], subsampling[1], coefficients, referenceBlackWhite),
                new Segments(offsets, counts, countsAt, countsType, rowsPerStrip, tileWidth, tileLength, predictorAt,
                        sampleFormatAt, photometricAt, widthAt, widthType));
    }

    /**
     * Throws when a strip or tile starts past the end of the file: libtiff (and Pillow's raw decoder) cannot read it.
     * Not for the YCbCr that libtiff's RGBA reader converts, which goes on without a strip or tile it cannot read
     * unless it is the first of a call ({@link TiffYCbCr}).
     */
    void checkSegmentsStartInFile(int length) throws StageException {
        long[] offsets = segments.offsets();
        for (int i = 0; i < offsets.length; i++) {
            if (offsets[i] >= length) {
                throw corrupt("strip or tile " + i + " starts at " + offsets[i] + ", past the end of the file ("
                        + length + " bytes): truncated");
            }
        }
    }

    /**
     * True when the samples are wider than 8 bits and horizontally differenced (predictor 2): the JDK's reader
     * refuses those, so it is handed the file with the predictor tag set to none, and the decoder adds the
     * differences back up itself, as libtiff does (modulo the sample's width).
     */
    boolean undoesPredictorItself() {
        // Not 12 bits: the JDK's reader stretches those to 16 bits before sieve could add the differences up.
        return predictor == 2 && compression != 1 && segments.predictorAt() >= 0
                && java.util.Arrays.stream(bitsPerSample).anyMatch(bits -> bits > 8)
                && java.util.Arrays.stream(bitsPerSample).noneMatch(bits -> bits == 12);
    }

    /**
     * True for 32-bit float grey with libtiff's floating-point predictor (3), which the JDK's reader refuses: it is
     * handed the file with the predictor set to none and the samples declared unsigned integers, so that its raster
     * holds each sample's four stored bytes untouched, and the decoder undoes the predictor as libtiff's fpAcc does.
     * A predictor row is a strip's row or a tile's whole row, padding included ({@link #readerWidth}).
     */
    boolean undoesFloatPredictor() {
        Segments s = segments;
        return predictor == 3 && compression != 1 && s.predictorAt() >= 0 && s.sampleFormatAt() >= 0 && photometric <= 1
                && bitsPerSample.length == 1 && bitsPerSample[0] == 32 && sampleFormat.length == 1
                && sampleFormat[0] == 3 && (samplesPerPixel == null || samplesPerPixel == 1) && planar == 1
                && s.widthAt() >= 0 && (s.widthType() == 4 || readerWidthOfTiles() <= 0xFFFF);
    }

    /**
     * The width the reader is told: the image's, or with the floating-point predictor on tiles that overhang the
     * right edge, the tiles' whole width, so that the edge tiles' padding, part of every predictor row, reaches the
     * raster (the decoder crops it off again).
     */
    long readerWidth() {
        return undoesFloatPredictor() ? readerWidthOfTiles() : width;
    }

    private long readerWidthOfTiles() {
        long tile = segments.tileWidth();
        return tile > 0 ? (width + tile - 1) / tile * tile : width;
    }

    /**
     * The bytes to hand the reader: these, or a copy whose byte counts past the file's end are cut to it (and whose
     * predictor is none, see {@link #undoesPredictorItself}). Throws when an uncompressed strip or tile has fewer
     * bytes left in the file than its rows need.
     */
    byte[] forReader(byte[] b) throws StageException {
        Segments s = segments;
        if (compression == 1) {
            for (int i = 0; i < s.offsets().length; i++) {
                long need = uncompressedBytes(i);
                if (need > b.length - s.offsets()[i]) {
                    throw corrupt("uncompressed strip or tile " + i + " needs " + need + " bytes, the file has "
                            + (b.length - s.offsets()[i]) + " left at " + s.offsets()[i] + ": truncated");
                }
            }
        }
        // Copied only when something is patched: most files go to the reader as they are.
        byte[] out = b;
        int size = s.countsType() == 3 ? 2 : s.countsType() == 1 ? 1 : 4;
        for (int i = 0; i < s.offsets().length; i++) {
            long left = b.length - s.offsets()[i];
            if (s.counts()[i] <= left) continue;
            // The count is larger than left, so left fits the count's own width.
            out = writable(out, b);
            put(out, s.countsAt() + i * size, left, size, bigEndian);
        }
        // Uncompressed data never goes through libtiff's predictor: Pillow's raw decoder ignores the tag, and so
        // must the JDK's reader.
        boolean ignoredPredictor = compression == 1 && predictor != 1 && s.predictorAt() >= 0;
        if (undoesPredictorItself() || undoesFloatPredictor() || ignoredPredictor) {
            out = writable(out, b);
            put(out, s.predictorAt(), 1, 2, bigEndian);
        }
        // The JDK's reader converts CIELab samples and inverts min-is-white ones of every width; Pillow keeps CIELab
        // as stored and inverts only 1- to 8-bit grey (16-bit and float min-is-white are plain "I;16" and "F").
        boolean wide = java.util.Arrays.stream(bitsPerSample).anyMatch(bits -> bits > 8);
        int readerPhotometric = photometric == CIELAB ? 2 : photometric == 0 && wide ? 1 : photometric;
        if (readerPhotometric != photometric) {
            if (s.photometricAt() < 0) throw corrupt("TIFF whose photometric tag is not a SHORT");
            out = writable(out, b);
            put(out, s.photometricAt(), readerPhotometric, 2, bigEndian);
        }
        // Both come with the float predictor, whose tag was patched above, so `out` is already a copy.
        if (undoesFloatPredictor()) put(out, s.sampleFormatAt(), 1, 2, bigEndian);
        if (readerWidth() != width) put(out, s.widthAt(), readerWidth(), s.widthType() == 3 ? 2 : 4, bigEndian);
        return out;
    }

    private static byte[] writable(byte[] out, byte[] original) {
        return out == original ? original.clone() : out;
    }

    /** Writes {@code value} as an unsigned integer of {@code size} bytes at {@code at}, in the file's byte order. */
    static void put(byte[] out, int at, long value, int size, boolean bigEndian) {
        for (int k = 0; k < size; k++) out[at + (bigEndian ? size - 1 - k : k)] = (byte) (value >> (8 * k));
    }

    /** The bytes an uncompressed strip or tile holds: its rows (the last strip's may be fewer) of whole bytes. */
    long uncompressedBytes(int index) {
        Segments s = segments;
        int spp = samplesPerPixel == null ? 1 : samplesPerPixel;
        boolean separate = planar == 2;
        int bitsPerPixel = 0;
        for (int i = 0; i < spp; i++) bitsPerPixel += bitsPerSample[Math.min(i, bitsPerSample.length - 1)];
        if (separate) bitsPerPixel = bitsPerSample[0];
        if (s.tileWidth() > 0 && s.tileLength() > 0) {
            return s.tileLength() * ((s.tileWidth() * bitsPerPixel + 7) / 8);
        }
        long rps = Math.max(1, Math.min(s.rowsPerStrip(), height));
        long perPlane = (height + rps - 1) / rps;
        long first = (index % perPlane) * rps;
        long rows = Math.max(0, Math.min(rps, height - first));
        return rows * ((width * bitsPerPixel + 7) / 8);
    }


    private static int[] toInts(long[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < out.length; i++) out[i] = (int) values[i];
        return out;
    }

    static StageException corrupt(String message) {
        return new StageException(Stage.DECODE, FailureCode.CORRUPT_IMAGE, message);
    }

    /** One tag's values, read on demand from where they lie (checked to be inside the file). */
    private record Values(Reader r, int at, int type, long count) {
        long get(int i) {
            return switch (type) {
                case 1 -> r.b[at + i] & 0xff;
                case 3 -> r.u16(at + 2 * i);
                default -> r.u32(at + 4 * i);
            };
        }

        int[] small(int max, String what) throws StageException {
            if (count > max) throw corrupt(what + " has " + count + " values, more than " + max);
            int[] out = new int[(int) count];
            for (int i = 0; i < out.length; i++) out[i] = (int) Math.min(get(i), Integer.MAX_VALUE);
            return out;
        }

        /** The values as libtiff's TIFFReadDirEntryFloatArray converts them (the count is checked by the caller). */
        float[] floats() {
            float[] out = new float[(int) count];
            for (int i = 0; i < out.length; i++) {
                out[i] = switch (type) {
                    case 5 -> {
                        long d = r.u32(at + 8 * i + 4);
                        yield d == 0 ? 0f : (float) r.u32(at + 8 * i) / (float) d;
                    }
                    case 11 -> Float.intBitsToFloat((int) r.u32(at + 4 * i));
                    case 12 -> {
                        long first = r.u32(at + 8 * i);
                        long second = r.u32(at + 8 * i + 4);
                        yield (float) Double.longBitsToDouble(r.big ? first << 32 | second : second << 32 | first);
                    }
                    default -> (float) get(i);
                };
            }
            return out;
        }

        long[] all(int max, String what) throws StageException {
            if (count > max) throw corrupt(what + " has " + count + " values, more than " + max);
            long[] out = new long[(int) count];
            for (int i = 0; i < out.length; i++) out[i] = get(i);
            return out;
        }
    }

    private record Reader(byte[] b, boolean big) {
        int u16(int at) {
            return TiffDirectory.u16(b, at, big);
        }

        long u32(int at) {
            return TiffDirectory.u32(b, at, big);
        }
    }

    /** An unsigned 16-bit value at {@code at}, in the file's byte order. */
    static int u16(byte[] b, int at, boolean big) {
        int x = b[at] & 0xff;
        int y = b[at + 1] & 0xff;
        return big ? x << 8 | y : y << 8 | x;
    }

    /** An unsigned 32-bit value at {@code at}, in the file's byte order. */
    static long u32(byte[] b, int at, boolean big) {
        long hi = u16(b, big ? at : at + 2, big);
        long lo = u16(b, big ? at + 2 : at, big);
        return hi << 16 | lo;
    }
}
