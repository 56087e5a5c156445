package dev.sieve.image.decode;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;

/**
 * Bounds-checked reads from the encoded bytes for the decoders sieve writes itself (BMP, ICO/CUR, PNM, TGA): a header
 * field past the end of the file is a coded failure, never an exception escaping the decoder.
 */
final class RasterBytes {
    private RasterBytes() {}

    static int u8(byte[] b, long at) throws StageException {
        need(b, at, 1);
        return b[(int) at] & 0xff;
    }

    static int u16le(byte[] b, long at) throws StageException {
        need(b, at, 2);
        return (b[(int) at] & 0xff) | (b[(int) at + 1] & 0xff) << 8;
    }

    static long u32le(byte[] b, long at) throws StageException {
        need(b, at, 4);
        return u16le(b, at) | (long) u16le(b, at + 2) << 16;
    }

    /** Throws CORRUPT_IMAGE unless {@code n} bytes start at {@code at}. */
    static void need(byte[] b, long at, long n) throws StageException {
        if (at < 0 || n < 0 || at + n > b.length) {
            throw fail(FailureCode.CORRUPT_IMAGE, "image file is truncated (" + n + " bytes wanted at " + at + " of "
                    + b.length + ")");
        }
    }

    static StageException fail(FailureCode code, String message) {
        return new StageException(Stage.DECODE, code, message);
    }

    /**
     * Pillow's palette for a "P" image: the file's entries first, the rest of the 256 on Pillow's initial grey ramp
     * (ImagingPaletteNew), which indices past the file's palette then show. Entries as packed 0xRRGGBB.
     */
    static int[] rampPalette() {
        int[] palette = new int[256];
        for (int i = 0; i < 256; i++) palette[i] = i << 16 | i << 8 | i;
        return palette;
    }

    /** The palette as 256 RGB byte triples, as a "PA" image carries it ({@link dev.sieve.image.Pixels#palette()}). */
    static byte[] paletteBytes(int[] palette) {
        byte[] out = new byte[768];
        for (int i = 0; i < 256; i++) {
            out[i * 3] = (byte) (palette[i] >> 16);
            out[i * 3 + 1] = (byte) (palette[i] >> 8);
            out[i * 3 + 2] = (byte) palette[i];
        }
        return out;
    }

    /** Indices (one byte each) looked up through the palette into RGB, sieve's storage for "P". */
    static byte[] lookUp(byte[] indices, int[] palette) {
        byte[] out = new byte[Math.multiplyExact(indices.length, 3)];
        for (int i = 0, o = 0; i < indices.length; i++, o += 3) {
            int c = palette[indices[i] & 0xff];
            out[o] = (byte) (c >> 16);
            out[o + 1] = (byte) (c >> 8);
            out[o + 2] = (byte) c;
        }
        return out;
    }
}
