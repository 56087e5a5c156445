package dev.sieve.image.decode;

import dev.sieve.StageException;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * libtiff's verdict on a damaged compressed strip, which the JDK's reader does not give: libtiff (through Pillow)
 * refuses a PackBits or Deflate strip that ends before its rows are filled ("Not enough data for scanline",
 * "Decoding error at scanline"), where the JDK's reader leaves the rest of the rows black and scores a different
 * image. Each strip (or tile) is walked once, nothing kept: PackBits by its run headers, Deflate by inflating into
 * a small scratch buffer.
 */
final class TiffStripCheck {
    private static final int PACKBITS = 32773;
    private static final int DEFLATE = 8;
    private static final int ADOBE_DEFLATE = 32946;

    private TiffStripCheck() {
    }

    /** Throws CORRUPT_IMAGE when a strip of a PackBits or Deflate TIFF cannot fill its rows. */
    static void check(byte[] b, TiffDirectory d) throws StageException {
        check(b, d, d::uncompressedBytes);
    }

    /** The same, with the bytes libtiff asks each strip for given. */
    static void check(byte[] b, TiffDirectory d, java.util.function.IntToLongFunction needs) throws StageException {
        int compression = d.compression();
        if (compression != PACKBITS && compression != DEFLATE && compression != ADOBE_DEFLATE) return;
        TiffDirectory.Segments s = d.segments();
        byte[] scratch = compression == PACKBITS ? null : new byte[64 * 1024];
        for (int i = 0; i < s.offsets().length; i++) {
            int from = (int) s.offsets()[i];
            int to = (int) Math.min(b.length, from + s.counts()[i]);
            long need = needs.applyAsLong(i);
            long got = compression == PACKBITS ? packBits(b, from, to, need) : inflate(b, from, to, need, scratch);
            if (got < need) {
                throw TiffDirectory.corrupt("compressed strip or tile " + i + " decodes to " + got + " of the " + need
                        + " bytes its rows need (libtiff, and so Pillow, refuses it)");
            }
        }
    }

    /** The bytes libtiff's PackBitsDecode writes from [from, to) before stopping (at most need). */
    private static long packBits(byte[] b, int from, int to, long need) {
        long out = 0;
        int i = from;
        while (i < to && out < need) {
            int n = b[i++];
            if (n < 0) {
                if (n == -128) continue;
                if (i >= to) break; // "Terminating PackBitsDecode due to lack of data"
                out += Math.min(-n + 1, need - out);
                i++;
            } else {
                long len = Math.min(n + 1, need - out);
                if (to - i < len) break;
                out += len;
                i += len;
            }
        }
        return out;
    }

    /** The bytes zlib inflates from [from, to) before the stream ends or fails (at most need). */
    private static long inflate(byte[] b, int from, int to, long need, byte[] scratch) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(b, from, to - from);
            long out = 0;
            while (out < need) {
                int n = inflater.inflate(scratch, 0, (int) Math.min(scratch.length, need - out));
                out += n;
                if (n == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) break;
            }
            return out;
        } catch (DataFormatException e) {
            return -1;
        } finally {
            inflater.end();
        }
    }
}
