package dev.sieve.image.decode;

import static dev.sieve.image.decode.RasterBytes.fail;
import static dev.sieve.image.decode.RasterBytes.need;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;

/**
 * PBM, PGM and PPM, binary (P4–P6) and plain (P1–P3), as Pillow 9.4's PpmImagePlugin reads them: P1/P4 are "1", P2/P5
 * "L" ("I" when maxval is over 255), P3/P6 "RGB"; a maxval other than 255 (or 65535 for grey) rescales each sample
 * with Python's round(value / maxval * out_max), out_max 255, or 65535 for "I" (held as 32-bit ints, see
 * {@link PillowMode#I}). Header errors Pillow raises as ValueError, and data cut
 * short, are CORRUPT_IMAGE.
 */
final class PnmDecoder implements RasterDecoder {
    private static final int BILEVEL = 1;
    private static final int GREY = 2;
    private static final int RGB = 3;

    @Override
    public Header open(byte[] b) throws StageException {
        int[] pos = {0};
        StringBuilder magic = new StringBuilder();
        for (int i = 0; i < 6 && pos[0] < b.length; i++) {
            int c = b[pos[0]++] & 0xff;
            if (isSpace(c)) break;
            magic.append((char) c);
        }
        int kind = switch (magic.toString()) {
            case "P1", "P4" -> BILEVEL;
            case "P2", "P5" -> GREY;
            case "P3", "P6" -> RGB;
            default -> throw fail(FailureCode.NOT_AN_IMAGE, "cannot identify image file (PNM magic " + magic + ")");
        };
        boolean plain = magic.charAt(1) <= '3';
        long width = token(b, pos);
        long height = token(b, pos);
        long maxval = 1;
        if (kind != BILEVEL) {
            maxval = token(b, pos);
            if (maxval <= 0 || maxval >= 65536) {
                throw fail(FailureCode.CORRUPT_IMAGE, "maxval must be greater than 0 and less than 65536");
            }
        }
        if (width <= 0 || height <= 0) {
            throw fail(FailureCode.NOT_AN_IMAGE, "cannot identify image file (PNM size " + width + "x" + height + ")");
        }
        long max = maxval;
        int at = pos[0];
        return Header.of(width, height, () -> decode(b, at, (int) width, (int) height, kind, plain, max));
    }

    /** Pillow's {@code _read_token}: whitespace-separated, '#' to the end of the line skipped, at most 10 bytes. */
    private static long token(byte[] b, int[] pos) throws StageException {
        StringBuilder token = new StringBuilder();
        while (token.length() <= 10) {
            if (pos[0] >= b.length) break;
            int c = b[pos[0]++] & 0xff;
            if (isSpace(c)) {
                if (token.isEmpty()) continue;
                break;
            } else if (c == '#') {
                while (pos[0] < b.length) {
                    int d = b[pos[0]++];
                    if (d == '\r' || d == '\n') break;
                }
                continue;
            }
            token.append((char) c);
        }
        if (token.isEmpty()) throw fail(FailureCode.CORRUPT_IMAGE, "Reached EOF while reading header");
        if (token.length() > 10) throw fail(FailureCode.CORRUPT_IMAGE, "Token too long in file header: " + token);
        return pythonInt(token.toString());
    }

    /** Python's int() of an ASCII token: optional sign, digits with single underscores between them. */
    private static long pythonInt(String s) throws StageException {
        if (!s.matches("[+-]?[0-9]+(_[0-9]+)*")) {
            throw fail(FailureCode.CORRUPT_IMAGE, "invalid literal for int() with base 10: " + s);
        }
        return Long.parseLong(s.replace("_", "").replace("+", ""));
    }

    private static boolean isSpace(int c) {
        return c == ' ' || (c >= 9 && c <= 13);
    }

    private static Pixels decode(byte[] b, int at, int w, int h, int kind, boolean plain, long maxval)
            throws StageException {
        int bands = kind == RGB ? 3 : 1;
        boolean wide = kind == GREY && maxval > 255; // Pillow's "I"
        PillowMode mode = kind == BILEVEL ? PillowMode.BILEVEL : wide ? PillowMode.I : kind == GREY ? PillowMode.L
                : PillowMode.RGB;
        long samples = (long) w * h * bands;
        // The fewest bytes that can hold the samples, checked before the pixels are allocated: a character per
        // plain bit, a digit and a separator per plain sample (unless the file ends inside a number, which Pillow
        // repeats to the end: see plainSamples), else the packed or binary size.
        boolean endsInNumber = at < b.length && !isSpace(b[b.length - 1] & 0xff);
        long least = kind == BILEVEL ? (plain ? samples : (w + 7L) / 8 * h)
                : plain ? (endsInNumber ? 1 : 2 * samples - 1) : samples * (maxval < 256 ? 1 : 2);
        if (least > b.length - at) {
            throw fail(FailureCode.CORRUPT_IMAGE, "image file is truncated (" + w + "x" + h + " needs at least "
                    + least + " bytes of data, " + (b.length - at) + " left)");
        }
        int n = Math.multiplyExact(Math.multiplyExact(w, h), bands);
        byte[] out = new byte[Math.multiplyExact(n, wide ? 4 : 1)];
        if (kind == BILEVEL) {
            if (plain) {
                plainBits(b, at, out);
            } else {
                int rowBytes = (w + 7) / 8;
                need(b, at, (long) rowBytes * h);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int bit = (b[at + y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1;
                        out[y * w + x] = (byte) (bit != 0 ? 0 : 255);
                    }
                }
            }
        } else if (plain) {
            plainSamples(b, at, out, n, maxval, wide);
        } else if (maxval == 255 || wide && maxval == 65535) {
            int size = maxval == 255 ? 1 : 2;
            need(b, at, (long) n * size);
            for (int i = 0; i < n; i++) {
                store(out, i, size == 1 ? b[at + i] & 0xff : (b[at + 2 * i] & 0xff) << 8 | (b[at + 2 * i + 1] & 0xff),
                        wide);
            }
        } else {
            // Pillow's PpmDecoder: 1 or 2 bytes a sample, big-endian, rescaled and capped at out_max.
            int size = maxval < 256 ? 1 : 2;
            if ((long) n * size > b.length - at) {
                throw fail(FailureCode.CORRUPT_IMAGE, "not enough image data (PNM samples cut short)");
            }
            for (int i = 0; i < n; i++) {
                int v = size == 1 ? b[at + i] & 0xff : (b[at + 2 * i] & 0xff) << 8 | (b[at + 2 * i + 1] & 0xff);
                store(out, i, Math.min(wide ? 65535 : 255, scaled(v, maxval, wide)), wide);
            }
        }
        return new Pixels(w, h, mode, out);
    }

    /** round(value / maxval * out_max), out_max 65535 for "I" else 255, in Python's floats and half-even rounding. */
    private static long scaled(long value, long maxval, boolean wide) {
        return (long) Math.rint(value / (double) maxval * (wide ? 65535 : 255));
    }

    /** Sample i as Pillow stores it: a byte (o8 keeps the low 8 bits), or for "I" a little-endian 32-bit int. */
    private static void store(byte[] out, int i, long v, boolean wide) {
        if (!wide) {
            out[i] = (byte) v;
            return;
        }
        for (int k = 0; k < 4; k++) out[4 * i + k] = (byte) (v >> (8 * k));
    }

    /** The rest of the file without its comments ('#' up to and including the next CR or LF). */
    private static byte[] uncommented(byte[] b, int at) {
        byte[] out = new byte[b.length - at];
        int n = 0;
        for (int i = at; i < b.length; i++) {
            if (b[i] == '#') {
                while (i < b.length && b[i] != '\n' && b[i] != '\r') i++;
                continue;
            }
            out[n++] = b[i];
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private static void plainBits(byte[] b, int at, byte[] out) throws StageException {
        int n = 0;
        for (byte c : uncommented(b, at)) {
            if (n == out.length) break;
            if (isSpace(c & 0xff)) continue;
            if (c != '0' && c != '1') throw fail(FailureCode.CORRUPT_IMAGE, "Invalid token for this mode: " + (char) c);
            out[n++] = (byte) (c == '1' ? 0 : 255);
        }
        if (n < out.length) throw fail(FailureCode.CORRUPT_IMAGE, "not enough image data (plain PBM cut short)");
    }

    private static void plainSamples(byte[] b, int at, byte[] out, int samples, long maxval, boolean wide)
            throws StageException {
        byte[] text = uncommented(b, at);
        int n = 0;
        int i = 0;
        long last = 0;
        while (n < samples && i < text.length) {
            while (i < text.length && isSpace(text[i] & 0xff)) i++;
            int start = i;
            while (i < text.length && !isSpace(text[i] & 0xff)) i++;
            if (i == start) break;
            if (i - start > 10) throw fail(FailureCode.CORRUPT_IMAGE, "Token too long found in data");
            long value = pythonInt(new String(text, start, i - start, java.nio.charset.StandardCharsets.US_ASCII));
            if (value > maxval) {
                throw fail(FailureCode.CORRUPT_IMAGE, "Channel value too large for this mode: " + value);
            }
            last = scaled(value, maxval, wide); // no cap here, unlike the binary decoder
            store(out, n++, last, wide);
        }
        if (n > 0 && n < samples && !isSpace(text[text.length - 1] & 0xff)) {
            // Pillow 9.4 keeps a token cut by the end of the file as its "half token" and, the file being over, feeds
            // it again and again: the rest of the image takes the last value.
            while (n < samples) store(out, n++, last, wide);
        }
        if (n < samples) throw fail(FailureCode.CORRUPT_IMAGE, "not enough image data (plain PNM cut short)");
    }
}
