package dev.sieve.image.decode;

import static dev.sieve.image.decode.RasterBytes.fail;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.image.PillowMode;

/**
 * Pillow 9.4's BmpRleDecoder, quirks included, because they decide the pixels: a delta escape reads two bytes it
 * discards and takes the offsets from the next two; an odd RLE4 absolute run yields one pixel fewer than it counts;
 * the word alignment after an absolute run follows the position in the whole file (an icon's DIB included); a run
 * past the row's end is cut there, an absolute run is not. Output: one byte per pixel (indices, or grey for "L"),
 * rows in image order.
 */
final class BmpRle {
    private final byte[] b;
    private long pos;
    private final boolean rle4;

    BmpRle(byte[] b, long dataAt, boolean rle4) {
        this.b = b;
        this.pos = dataAt;
        this.rle4 = rle4;
    }

    byte[] decode(int w, int rows, BmpDecoder.Layout layout, boolean topDown) throws StageException {
        if (layout.mode != PillowMode.P && layout.mode != PillowMode.L) {
            throw fail(FailureCode.CORRUPT_IMAGE, "BMP RLE data for a " + layout.mode + " image (no such raw mode)");
        }
        long total = (long) w * rows;
        byte[] data = new byte[(int) total];
        long n = 0; // Pillow's len(data); bytes past total are never read back
        long x = 0;
        while (n < total) {
            int count = next();
            int value = next();
            if (count < 0 || value < 0) break;
            if (count > 0) {
                if (x + count > w) count = (int) Math.max(0, w - x);
                for (int i = 0; i < count; i++, n++) {
                    if (n < total) data[(int) n] = (byte) (rle4 ? ((i & 1) == 0 ? value >> 4 : value & 15) : value);
                }
                x += count;
            } else if (value == 0) {
                n = (n + w - 1) / w * w; // end of line: zeros up to the row's end
                x = 0;
            } else if (value == 1) {
                break;
            } else if (value == 2) {
                if (pos + 2 > b.length) break;
                pos += 2;
                if (pos + 2 > b.length) throw fail(FailureCode.CORRUPT_IMAGE, "BMP RLE delta cut short");
                int right = next();
                int up = next();
                n += right + (long) up * w;
                x = n % w;
            } else {
                int bytes = rle4 ? value / 2 : value;
                int read = (int) Math.min(bytes, b.length - pos);
                for (int i = 0; i < read; i++) {
                    int v = b[(int) pos++] & 0xff;
                    if (rle4) {
                        if (n < total) data[(int) n] = (byte) (v >> 4);
                        n++;
                        if (n < total) data[(int) n] = (byte) (v & 15);
                        n++;
                    } else {
                        if (n < total) data[(int) n] = (byte) v;
                        n++;
                    }
                }
                if (read < bytes) break;
                x += value;
                if (pos % 2 != 0) pos++;
            }
        }
        if (n < total) throw fail(FailureCode.CORRUPT_IMAGE, "not enough image data (BMP RLE ends early)");
        return topDown ? data : bottomUp(data, w, rows);
    }

    /** Rows stored bottom-up (the usual BMP direction): the first decoded row is the last image row. */
    private static byte[] bottomUp(byte[] data, int w, int rows) {
        byte[] out = new byte[data.length];
        for (int r = 0; r < rows; r++) System.arraycopy(data, r * w, out, (rows - 1 - r) * w, w);
        return out;
    }

    private int next() {
        return pos < b.length ? b[(int) pos++] & 0xff : -1;
    }
}
