package dev.sieve.image.decode;

import dev.sieve.StageException;
import java.io.ByteArrayOutputStream;

/**
 * BigTIFF (version 43: 8-byte offsets and counts), which Pillow 9.4 opens like any TIFF when it is little-endian
 * (a big-endian one it cannot identify, and neither does sieve) and the JDK's reader does not open at all: the first directory is rewritten as a classic one appended to a copy of the file, and the header pointed at
 * it, so that strips and tiles keep their offsets and the rest of the TIFF path ({@link TiffDirectory}, the JDK's
 * reader) reads it unchanged. Only the first directory is kept (sieve decodes the first page). A file of 4 GB or more
 * cannot be a classic TIFF, and the fetch limits keep every input far below that.
 */
final class BigTiff {
    private static final int LONG8 = 16;
    private static final int SLONG8 = 17;
    private static final int IFD8 = 18;
    /** More entries than any real first directory has; Pillow reads at most what the file holds. */
    private static final long MAX_ENTRIES = 4096;

    private BigTiff() {
    }

    static boolean is(byte[] b) {
        return b.length >= 4 && (b[0] == 'I' && b[1] == 'I' && b[2] == 43 && b[3] == 0
                || b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 43);
    }

    /** The same file with a classic first directory; every offset and count checked against the file first. */
    static byte[] toClassic(byte[] b) throws StageException {
        if (b.length < 16) throw TiffDirectory.corrupt("BigTIFF shorter than its 16-byte header (" + b.length + " bytes)");
        boolean big = b[0] == 'M';
        if (big) {
            throw new StageException(dev.sieve.avro.Stage.DECODE, dev.sieve.avro.FailureCode.UNSUPPORTED_FORMAT,
                    "big-endian BigTIFF: Pillow 9.4 cannot identify it (it reads only little-endian BigTIFF), so the"
                    + " reference does not score it");
        }
        if (u(b, 4, 2, big) != 8 || u(b, 6, 2, big) != 0) {
            throw TiffDirectory.corrupt("BigTIFF whose offset size is " + u(b, 4, 2, big) + ", not 8");
        }
        long ifd = u(b, 8, 8, big);
        if (ifd < 16 || ifd > b.length - 8L) throw TiffDirectory.corrupt("first directory at " + ifd + " is outside the file");
        long entries = u(b, (int) ifd, 8, big);
        if (entries <= 0 || entries > MAX_ENTRIES || ifd + 8 + 20 * entries > b.length) {
            throw TiffDirectory.corrupt("BigTIFF first directory with " + entries + " entries at " + ifd
                    + " does not fit the file (" + b.length + " bytes)");
        }
        // Classic layout: the new directory after the file (word-aligned), then the values that do not fit inline.
        long dirAt = (b.length + 1) & ~1L;
        long valuesAt = dirAt + 2 + 12 * entries + 4;
        ByteArrayOutputStream dir = new ByteArrayOutputStream();
        ByteArrayOutputStream values = new ByteArrayOutputStream();
        put(dir, entries, 2, big);
        for (int i = 0; i < entries; i++) {
            int at = (int) (ifd + 8 + 20L * i);
            int tag = (int) u(b, at, 2, big);
            int type = (int) u(b, at + 2, 2, big);
            long count = u(b, at + 4, 8, big);
            int size = size(type);
            if (size == 0) continue; // an unknown type: skipped, as the classic reader skips it
            if (count < 0 || count > b.length || count * size > b.length) {
                throw TiffDirectory.corrupt("BigTIFF tag " + tag + " claims " + count + " values, more than the file holds");
            }
            long bytes = count * size;
            long from = bytes <= 8 ? at + 12 : u(b, at + 12, 8, big);
            if (from < 0 || from + bytes > b.length) {
                throw TiffDirectory.corrupt("BigTIFF tag " + tag + "'s values at " + from + " run past the end of the file");
            }
            int outType = type;
            byte[] raw;
            if (type == LONG8 || type == SLONG8 || type == IFD8) {
                // Offsets and counts: within the file, so they fit 4 bytes; anything larger cannot be right.
                outType = 4;
                raw = new byte[(int) (count * 4)];
                for (int k = 0; k < count; k++) {
                    long v = u(b, (int) (from + 8L * k), 8, big);
                    if (v < 0 || v > 0xFFFFFFFFL) {
                        throw TiffDirectory.corrupt("BigTIFF tag " + tag + " holds " + v + ", past any 4 GB file");
                    }
                    TiffDirectory.put(raw, k * 4, v, 4, big);
                }
            } else {
                raw = java.util.Arrays.copyOfRange(b, (int) from, (int) (from + bytes));
            }
            put(dir, tag, 2, big);
            put(dir, outType, 2, big);
            put(dir, raw.length / size(outType), 4, big);
            if (raw.length <= 4) {
                dir.writeBytes(java.util.Arrays.copyOf(raw, 4));
            } else {
                put(dir, valuesAt + values.size(), 4, big);
                values.writeBytes(raw);
                if (values.size() % 2 == 1) values.write(0);
            }
        }
        put(dir, 0, 4, big); // no next directory: the first page is all sieve reads
        long total = valuesAt + values.size();
        if (total > Integer.MAX_VALUE - 16) throw TiffDirectory.corrupt("BigTIFF too large to rewrite (" + total + " bytes)");
        byte[] out = java.util.Arrays.copyOf(b, (int) total);
        // The classic header over the BigTIFF one: its 16 bytes never hold image data.
        out[2] = (byte) (big ? 0 : 42);
        out[3] = (byte) (big ? 42 : 0);
        TiffDirectory.put(out, 4, dirAt, 4, big);
        byte[] d = dir.toByteArray();
        System.arraycopy(d, 0, out, (int) dirAt, d.length);
        byte[] v = values.toByteArray();
        System.arraycopy(v, 0, out, (int) valuesAt, v.length);
        return out;
    }

    private static int size(int type) {
        return switch (type) {
            case 1, 2, 6, 7 -> 1;
            case 3, 8 -> 2;
            case 4, 9, 11 -> 4;
            case 5, 10, 12, LONG8, SLONG8, IFD8 -> 8;
            default -> 0;
        };
    }

    private static long u(byte[] b, int at, int n, boolean big) {
        long v = 0;
        for (int k = 0; k < n; k++) v = v << 8 | (b[at + (big ? k : n - 1 - k)] & 0xff);
        return v;
    }

    private static void put(ByteArrayOutputStream out, long v, int n, boolean big) {
        byte[] x = new byte[n];
        TiffDirectory.put(x, 0, v, n, big);
        out.writeBytes(x);
    }
}
