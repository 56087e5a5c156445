package dev.sieve.image.decode;

/**
 * libjpeg's {@code ycck_cmyk_convert} (jdcolor.c, identical in libjpeg 6b and libjpeg-turbo), then Pillow's "CMYK;I"
 * inversion: for the ImageIO path, which hands over a YCCK JPEG's samples unconverted. C, M and Y are 255 minus the
 * red, green and blue that the YCbCr part gives with libjpeg's fixed-point tables; K passes through. Inverted, that
 * is the clamped red, green and blue themselves and 255 - K.
 */
final class YcckToCmyk {
    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private YcckToCmyk() {
    }

    private static int fix(double v) {
        return (int) (v * (1L << SCALEBITS) + 0.5);
    }

    /** One pixel: Y, Cb, Cr, K at {@code in[i..i+3]} to Pillow's CMYK bytes at {@code out[d..d+3]}. */
    static void invertedCmyk(int[] in, int i, byte[] out, int d) {
        int y = in[i];
        int cb = in[i + 1];
        int cr = in[i + 2];
        out[d] = (byte) clamp(y + CR_R[cr]);
        out[d + 1] = (byte) clamp(y + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS));
        out[d + 2] = (byte) clamp(y + CB_B[cb]);
        out[d + 3] = (byte) (255 - in[i + 3]);
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
