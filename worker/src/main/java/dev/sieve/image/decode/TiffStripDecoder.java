package dev.sieve.image.decode;

import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * libtiff 4.5's decoders for one compressed strip, with what they leave behind when the data is damaged: the bytes
 * decoded before the error stay in the (zeroed) buffer. That matters where libtiff's caller goes on after a failed
 * strip, as its RGBA reader does for Pillow's YCbCr ({@link TiffYCbCr}). LZW (new-style codes: {@code LZWDecode}),
 * Deflate ({@code ZIPDecode}: Debian's libtiff inflates a whole strip with libdeflate and a part of one with zlib,
 * whose partial output on bad data differs; sieve does the same, with zlib through {@link Inflater}, and with
 * {@link Inflater} for both where libdeflate is not installed, the same bytes for every undamaged strip) and
 * PackBits ({@code PackBitsDecode}).
 */
final class TiffStripDecoder {
    static final int LZW = 5;
    static final int DEFLATE = 8;
    static final int ADOBE_DEFLATE = 32946;
    static final int PACKBITS = 32773;

    /** LZW's code table, kept from strip to strip (a strip resets it with its first clear code). */
    private int[] next;
    private int[] length;
    private byte[] value;
    private byte[] first;

    static boolean decodes(int compression) {
        return compression == LZW || compression == DEFLATE || compression == ADOBE_DEFLATE
                || compression == PACKBITS;
    }

    /**
     * Decodes {@code in[from, from + count)} into {@code out[0, need)}, writing only what the decoder writes (the rest
     * keeps what {@code out} held, as libtiff's buffer does); true when the strip
     * filled {@code need} bytes without an error, as the decoder's return value says. {@code whole}: the strip's
     * full size, which decides whether libtiff inflates with libdeflate (asked for all of it) or zlib.
     */
    boolean decode(int compression, byte[] in, int from, int count, byte[] out, int need, long whole) {
        return switch (compression) {
            case LZW -> lzw(in, from, count, out, need);
            case DEFLATE, ADOBE_DEFLATE -> need == whole && LibDeflate.load().isPresent()
                    ? LibDeflate.load().get().inflateStrip(in, from, count, out, need)
                    : inflate(in, from, count, out, need);
            case PACKBITS -> packBits(in, from, count, out, need);
            default -> throw new IllegalArgumentException("compression " + compression);
        };
    }

    /** True for the old-style (pre-5.0, bit-reversed) LZW codes libtiff decodes with LZWDecodeCompat. */
    static boolean oldStyleLzw(byte[] in, int from, int count) {
        return count >= 2 && in[from] == 0 && (in[from + 1] & 1) != 0;
    }

    private static boolean inflate(byte[] in, int from, int count, byte[] out, int need) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(in, from, count);
            int done = 0;
            while (done < need) {
                int n = inflater.inflate(out, done, need - done);
                done += n;
                // Z_STREAM_END before the strip is full is "Not enough data"; no progress is zlib's Z_BUF_ERROR.
                if (n == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) break;
            }
            return done == need;
        } catch (DataFormatException e) {
            // zlib wrote what it decoded before the error into `out` ("Decoding error at scanline").
            return false;
        } finally {
            inflater.end();
        }
    }

    private static boolean packBits(byte[] in, int from, int count, byte[] out, int need) {
        int i = from;
        int end = from + count;
        int op = 0;
        while (i < end && op < need) {
            int n = in[i++];
            if (n < 0) {
                if (n == -128) continue;
                n = Math.min(-n + 1, need - op);
                if (i == end) break; // "Terminating PackBitsDecode due to lack of data"
                byte b = in[i++];
                for (int k = 0; k < n; k++) out[op++] = b;
            } else {
                n = Math.min(n + 1, need - op);
                if (end - i < n) break;
                System.arraycopy(in, i, out, op, n);
                op += n;
                i += n;
            }
        }
        return op == need;
    }

    private static final int CLEAR = 256;
    private static final int EOI = 257;
    private static final int FIRST = 258;
    private static final int BITS_MIN = 9;
    private static final int BITS_MAX = 12;
    /** CSIZE with LZW_COMPAT, as Debian builds it: the table may grow 1024 entries past the 12-bit codes. */
    private static final int TABLE = (1 << BITS_MAX) - 1 + 1024;

    /**
     * LZWDecode: codes most significant bit first, 9 to 12 bits wide, widening one entry early; a strip must start
     * with a clear code (the table's free entry starts before the table, so any other first code is "not yet in
     * table"); a string longer than what is left is cut to fit.
     */
    private boolean lzw(byte[] in, int from, int count, byte[] out, int need) {
        if (next == null) {
            next = new int[TABLE];
            length = new int[TABLE];
            value = new byte[TABLE];
            first = new byte[TABLE];
        }
        for (int c = 0; c < 256; c++) {
            next[c] = -1;
            length[c] = 1;
            value[c] = (byte) c;
            first[c] = (byte) c;
        }
        long bitsLeft = 8L * count;
        int at = from;
        long data = 0;
        int nextBits = 0;
        int nbits = BITS_MIN;
        int free = -1;
        int maxCode = (1 << BITS_MIN) - 2;
        int old = 0;
        int op = 0;
        boolean clearing = false;
        while (op < need) {
            // GetNextCodeLZW: whole bytes only; too few left is "not terminated with EOI code".
            while (nextBits < nbits) {
                if (bitsLeft < 8) return false;
                data = data << 8 | in[at++] & 0xff;
                nextBits += 8;
                bitsLeft -= 8;
            }
            nextBits -= nbits;
            int code = (int) (data >>> nextBits) & ((1 << nbits) - 1);
            if (clearing) {
                if (code == CLEAR) continue;
                clearing = false;
                if (code == EOI) break;
                if (code > EOI) return false; // "Using code not yet in table"
                out[op++] = (byte) code;
                old = code;
                continue;
            }
            if (code == CLEAR) {
                free = FIRST;
                nbits = BITS_MIN;
                maxCode = (1 << BITS_MIN) - 2;
                clearing = true;
                continue;
            }
            if (code == EOI) break;
            if (code < 256) {
                if (free < 0 || code > free) return false;
            } else if (free < 0 || code > free) {
                return false;
            }
            // The new entry: the previous string plus this one's first character (its own, for the KwKwK case).
            byte added = code == free ? first[old] : first[code];
            next[free] = old;
            first[free] = first[old];
            length[free] = length[old] + 1;
            value[free] = code < 256 ? (byte) code : added;
            if (++free > maxCode) {
                nbits = Math.min(nbits + 1, BITS_MAX);
                maxCode = (1 << nbits) - 2;
                if (free >= TABLE) free = -1;
            }
            old = code;
            // The string, cut to what is left of the strip.
            int len = length[code];
            int keep = Math.min(len, need - op);
            int c = code;
            for (int k = len - 1; k >= 0; k--, c = next[c]) {
                if (k < keep) out[op + k] = value[c];
            }
            op += keep;
        }
        return op == need;
    }
}
