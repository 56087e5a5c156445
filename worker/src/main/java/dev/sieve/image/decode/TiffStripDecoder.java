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

    /** What a strip's decode came to, as libtiff's decoder sees it. */
    enum Result {
        /** The decoder failed (libtiff's read of the strip returns -1); what it wrote is in the buffer. */
        FAILED,
        /** libtiff takes the strip as decoded, but the stream does not end where the strip does (it goes on, or
         * carries data past its end), so another decoder need not give the same bytes. */
        FILLED,
        /** A complete stream that ends exactly where the strip does: any conforming decoder gives these bytes. */
        CLEAN;

        boolean decoded() {
            return this != FAILED;
        }
    }

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
    Result decode(int compression, byte[] in, int from, int count, byte[] out, int need, long whole) {
        return switch (compression) {
            case LZW -> lzw(in, from, count, out, need);
            case DEFLATE, ADOBE_DEFLATE -> need == whole && LibDeflate.load().isPresent()
                    ? switch (LibDeflate.load().get().inflateStrip(in, from, count, out, need)) {
                        case 0 -> Result.CLEAN;
                        case 3 -> Result.FILLED;
                        default -> Result.FAILED;
                    }
                    : inflate(in, from, count, out, need);
            case PACKBITS -> packBits(in, from, count, out, need);
            default -> throw new IllegalArgumentException("compression " + compression);
        };
    }

    /** True for the old-style (pre-5.0, bit-reversed) LZW codes libtiff decodes with LZWDecodeCompat. */
    static boolean oldStyleLzw(byte[] in, int from, int count) {
        return count >= 2 && in[from] == 0 && (in[from + 1] & 1) != 0;
    }

    private static Result inflate(byte[] in, int from, int count, byte[] out, int need) {
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
            if (done < need) return Result.FAILED;
            return ends(inflater) ? Result.CLEAN : Result.FILLED;
        } catch (DataFormatException e) {
            // zlib wrote what it decoded before the error into `out` ("Decoding error at scanline").
            return Result.FAILED;
        } finally {
            inflater.end();
        }
    }

    /**
     * Whether the stream ends right after the strip's bytes, its checksum good and nothing after it (one more call
     * reads the trailer; libtiff stops once the strip is full, so a bad one there is still its success).
     */
    private static boolean ends(Inflater inflater) {
        try {
            if (!inflater.finished() && inflater.inflate(new byte[1]) != 0) return false;
            return inflater.finished() && inflater.getRemaining() == 0;
        } catch (DataFormatException e) {
            return false;
        }
    }

    private static Result packBits(byte[] in, int from, int count, byte[] out, int need) {
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
        return op < need ? Result.FAILED : i == end ? Result.CLEAN : Result.FILLED;
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
    private Result lzw(byte[] in, int from, int count, byte[] out, int need) {
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
                if (bitsLeft < 8) return Result.FAILED;
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
                if (code > EOI) return Result.FAILED; // "Using code not yet in table"
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
            if (free < 0 || code > free) return Result.FAILED; // "Using code not yet in table"
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
        if (op < need) return Result.FAILED;
        // Clean when the next code is the end code.
        int nbitsLeft = nextBits;
        long bits = data;
        int at2 = at;
        long left = bitsLeft;
        while (nbitsLeft < nbits && left >= 8) {
            bits = bits << 8 | in[at2++] & 0xff;
            nbitsLeft += 8;
            left -= 8;
        }
        return nbitsLeft >= nbits && ((int) (bits >>> (nbitsLeft - nbits)) & ((1 << nbits) - 1)) == EOI
                ? Result.CLEAN : Result.FILLED;
    }
}
