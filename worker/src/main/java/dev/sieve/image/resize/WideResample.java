package dev.sieve.image.resize;

import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Pillow 9.4's resampling of the 32-bit modes (Resample.c, {@code ImagingResample*_32bpc}): "I" sums in double
 * with the unrounded weights and rounds each pass half away from zero into an int; "F" sums in double and stores
 * each pass as a float. Horizontal pass first, into an intermediate image of the same mode, as Pillow does. "I;16"
 * has no resampler in Pillow 9.4: {@code resize} raises "image has wrong mode", and so does this.
 */
final class WideResample {

    private WideResample() {
    }

    /** The w x h window at (left, top) of the width x height resize of a wide-mode image (see PillowResize). */
    static Pixels window(Pixels in, int width, int height, PillowResize.Filter filter, int left, int top, int w,
                         int h) {
        if (in.mode() == PillowMode.I16) {
            throw new IllegalArgumentException("Pillow 9.4 cannot resize mode I;16: image has wrong mode");
        }
        boolean isFloat = in.mode() == PillowMode.F;
        ByteBuffer src = ByteBuffer.wrap(in.data()).order(ByteOrder.LITTLE_ENDIAN);
        boolean horizontal = width != in.width();
        boolean vertical = height != in.height();
        PillowResize.Weights ver = vertical ? PillowResize.weights(in.height(), height, filter, top, h) : null;
        int yFirst = top;
        int yLast = top + h;
        if (vertical) {
            yFirst = Integer.MAX_VALUE;
            yLast = 0;
            for (int i = 0; i < h; i++) {
                yFirst = Math.min(yFirst, ver.first()[i]);
                yLast = Math.max(yLast, ver.first()[i] + ver.count()[i]);
            }
        }
        int rows = yLast - yFirst;
        // The rows the vertical pass reads, [yFirst, yLast), window columns only: ints or float bits.
        int[] band = new int[Math.multiplyExact(rows, w)];
        if (horizontal) {
            PillowResize.Weights hor = PillowResize.weights(in.width(), width, filter, left, w);
            for (int y = 0; y < rows; y++) {
                int row = (yFirst + y) * in.width();
                for (int x = 0; x < w; x++) {
                    int first = hor.first()[x];
                    int at = x * hor.ksize();
                    double ss = 0.0;
                    for (int t = 0; t < hor.count()[x]; t++) {
                        ss += sample(src, row + first + t, isFloat) * hor.k()[at + t];
                    }
                    band[y * w + x] = store(ss, isFloat);
                }
            }
        } else {
            for (int y = 0; y < rows; y++) {
                for (int x = 0; x < w; x++) band[y * w + x] = src.getInt(((yFirst + y) * in.width() + left + x) * 4);
            }
        }
        ByteBuffer out = ByteBuffer.allocate(Math.multiplyExact(Math.multiplyExact(w, h), 4))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v;
                if (vertical) {
                    int first = ver.first()[y] - yFirst;
                    int at = y * ver.ksize();
                    double ss = 0.0;
                    for (int t = 0; t < ver.count()[y]; t++) {
                        int bits = band[(first + t) * w + x];
                        // Widened to double on each side: a conditional of float and int would be a float,
                        // which loses an int's low bits past 2^24.
                        ss += (isFloat ? (double) Float.intBitsToFloat(bits) : (double) bits) * ver.k()[at + t];
                    }
                    v = store(ss, isFloat);
                } else {
                    v = band[(top - yFirst + y) * w + x];
                }
                out.putInt((y * w + x) * 4, v);
            }
        }
        return new Pixels(w, h, in.mode(), out.array());
    }

    private static double sample(ByteBuffer src, int index, boolean isFloat) {
        return isFloat ? (double) src.getFloat(index * 4) : (double) src.getInt(index * 4);
    }

    /** "F": the double sum stored as a float. "I": ROUND_UP, {@code (int)(ss >= 0 ? ss + 0.5 : ss - 0.5)}. */
    private static int store(double ss, boolean isFloat) {
        if (isFloat) return Float.floatToRawIntBits((float) ss);
        return truncate(ss >= 0.0 ? ss + 0.5 : ss - 0.5);
    }

    /** C's (int) cast as x86's cvttsd2si does it: out of range or NaN gives INT_MIN (Java would saturate). */
    static int truncate(double d) {
        if (d != d || d >= 2147483648.0 || d <= -2147483649.0) return Integer.MIN_VALUE;
        return (int) d;
    }
}
