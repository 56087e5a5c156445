package dev.sieve.image.resize;

import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import java.util.function.UnaryOperator;

/**
 * Pillow 9.4's {@code Image.resize(size, filter)} for 8-bit images, without box or reducing_gap (which neither
 * torchvision nor transformers pass), written from Pillow's src/libImaging/Resample.c and Geometry.c so that the
 * output is byte-identical.
 *
 * <p>Resampling is a separable convolution: the filter's support grows with the downscale factor (antialiasing),
 * each output pixel's weights are normalised to sum 1 in double precision, then turned into fixed point with
 * {@link #PRECISION_BITS} bits and rounded half away from zero; sums start at one half and are clipped to 0..255.
 * The horizontal pass runs first, over only the rows the vertical pass will read.
 */
public final class PillowResize {

    /** The two filters the reference uses: torchvision's default BILINEAR and CLIP's BICUBIC (resample=3). */
    public enum Filter {
        BILINEAR(1.0) {
            @Override
            double weight(double x) {
                if (x < 0.0) x = -x;
                return x < 1.0 ? 1.0 - x : 0.0;
            }
        },
        /** Keys' cubic convolution with a = -0.5, Pillow's choice. */
        BICUBIC(2.0) {
            @Override
            double weight(double x) {
                final double a = -0.5;
                if (x < 0.0) x = -x;
                if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
                return 0.0;
            }
        };

        private final double support;

        Filter(double support) {
            this.support = support;
        }

        abstract double weight(double x);
    }

    /** Pillow: 32 bits minus 8 for the result and 2 for filters whose partial sums leave [0, 1]. */
    public static final int PRECISION_BITS = 32 - 8 - 2;

    /**
     * The rounding half in both 32-bit halves of a long that sums two channels at once (SWAR): with a = r + (b << 32),
     * sum(a * w) = R + (B << 32) exactly in 64 bits, where R and B are Pillow's two int sums (each fits an int, as in
     * Pillow); R is then the low 32 bits read as an int, and B = (sum - R) >> 32. One multiply for two channels.
     */
    /** Little-endian 4-byte loads from a byte array: a pixel's R, G, B (and the next byte) in one read. */
    private static final java.lang.invoke.VarHandle INT_LE =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    private static final long HALF_RB = (1L << (PRECISION_BITS - 1)) + (1L << (PRECISION_BITS - 1) << 32);

    private PillowResize() {
    }

    /** Image.resize((width, height), filter) as Pillow does it for this image's mode. */
    public static Pixels resize(Pixels in, int width, int height, Filter filter) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("height and width must be > 0, got " + width + "x" + height);
        }
        if (in.width() == width && in.height() == height) return in;
        if (in.mode().nearestOnly()) return nearest(in, width, height);
        if (in.mode().wide()) return WideResample.window(in, width, height, filter, 0, 0, width, height);
        if (in.mode().premultipliedResize()) {
            Pixels resized = resample(premultiply(in), width, height, filter);
            return unpremultiply(resized);
        }
        if (in.mode() == PillowMode.LAB) return flipChroma(resample(flipChroma(in), width, height, filter));
        return resample(in, width, height, filter);
    }

    /**
     * "LAB" with a* and b* moved between signed and offset form (top bit flipped): Pillow resamples those two bands
     * as signed bytes, which equals resampling the offset bytes as unsigned and flipping back (measured with Pillow
     * 9.4: 0 of 2 x 3.4 M samples differ, bilinear and bicubic).
     */
    private static Pixels flipChroma(Pixels in) {
        byte[] out = in.data().clone();
        for (int i = 1; i < out.length; i += 3) {
            out[i] ^= (byte) 0x80;
            out[i + 1] ^= (byte) 0x80;
        }
        return new Pixels(in.width(), in.height(), in.mode(), out);
    }

    /**
     * The w x h window at (left, top) of {@code resize(in, width, height, filter)}, computed alone: every output
     * pixel depends only on its own weights, so this is byte-identical to cropping the full resize while resampling
     * only the window's pixels (the tiling path reads five 672 windows of the 1536 step's output, about 60% of it
     * for a 3:2 image; CLIP's processor keeps a 336 centre of a resize that can be 336 x 33,600,000).
     */
    public static Pixels resizeWindow(Pixels in, int width, int height, Filter filter, int left, int top, int w,
                                      int h) {
        return resizeWindow(in, null, width, height, filter, left, top, w, h);
    }

    /**
     * As {@link #resizeWindow(Pixels, int, int, Filter, int, int, int, int)} of {@code convert.apply(in)}, where
     * {@code convert} is a per-pixel mode conversion ({@code Pixels::toRgb}): it is applied to the rows each strip
     * reads, never to the whole image, so the converted copy is a strip, not the image (a 169 MP RGBA image would
     * otherwise hold a second 507 MB). Pillow's premultiplied form for RGBA and LA is made the same way.
     *
     * @param convert null: the image as it is
     */
    public static Pixels resizeWindow(Pixels in, UnaryOperator<Pixels> convert, int width, int height, Filter filter,
                                      int left, int top, int w, int h) {
        if (left < 0 || top < 0 || w < 1 || h < 1 || (long) left + w > width || (long) top + h > height) {
            throw new IllegalArgumentException("window " + w + "x" + h + "+" + left + "+" + top + " outside "
                    + width + "x" + height);
        }
        UnaryOperator<Pixels> rows = convert == null ? UnaryOperator.identity() : convert;
        if (in.width() == width && in.height() == height) return rows.apply(in.crop(left, top, w, h));
        PillowMode mode = rows.apply(in.crop(0, 0, 1, 1)).mode();
        // Nearest neighbour picks whole pixels: converting the picked ones is converting first.
        if (mode.nearestOnly()) return rows.apply(nearestWindow(in, width, height, left, top, w, h));
        if (mode.wide()) return WideResample.window(in, width, height, filter, left, top, w, h);
        if (mode.premultipliedResize()) {
            UnaryOperator<Pixels> premultiplied = p -> premultiply(rows.apply(p));
            return unpremultiply(resampleWindow(in, premultiplied, mode, width, height, filter, left, top, w, h));
        }
        if (mode == PillowMode.LAB) {
            UnaryOperator<Pixels> offset = p -> flipChroma(rows.apply(p));
            return flipChroma(resampleWindow(in, offset, mode, width, height, filter, left, top, w, h));
        }
        return resampleWindow(in, convert == null ? null : rows, mode, width, height, filter, left, top, w, h);
    }

    /**
     * Why Pillow 9.4 refuses {@code resize((outWidth, outHeight))} of an inWidth x inHeight image, whatever the
     * memory, or null when it does not: a size past a C int ({@code OverflowError}), or a direction whose
     * coefficient table ({@code precompute_coeffs}: out size x ksize doubles) would pass INT_MAX bytes
     * ({@code MemoryError}, raised before anything is allocated). A same-size resize is a copy and checks nothing.
     */
    public static String refusal(int inWidth, int inHeight, long outWidth, long outHeight, Filter filter) {
        if (inWidth == outWidth && inHeight == outHeight) return null;
        String reason = refusal(inWidth, outWidth, filter);
        return reason != null ? reason : refusal(inHeight, outHeight, filter);
    }

    private static String refusal(int inSize, long outSize, Filter filter) {
        if (outSize > Integer.MAX_VALUE) return "OverflowError: " + outSize + " is past a C int";
        int ksize = ksize(inSize, (int) outSize, filter);
        if (outSize > Integer.MAX_VALUE / (ksize * Double.BYTES)) {
            return "MemoryError: " + outSize + " outputs x " + ksize + " taps of 8 bytes pass its 2 GiB limit"
                    + " for a coefficient table";
        }
        return null;
    }

    /** Pillow's "maximum number of coeffs" of one output: the filter's support, scaled when downscaling, both ways. */
    private static int ksize(int inSize, int outSize, Filter filter) {
        // Pillow keeps the box in C floats; sizes below 2^24 are exact in a float, so a double of inSize is the same.
        double scale = (double) (float) inSize / outSize;
        return (int) Math.ceil(filter.support * Math.max(scale, 1.0)) * 2 + 1;
    }

    /**
     * Weights of a 1-D resampling pass: for each output index, the first input index, a count and fixed-point weights
     * (ksize per output, zero past its count). Public for the device step (image/device), which applies these tables.
     */
    public record Coefficients(int ksize, int[] first, int[] count, int[] weights) {
        /** The weights of output indices [from, from + n). */
        Coefficients slice(int from, int n) {
            return new Coefficients(ksize, java.util.Arrays.copyOfRange(first, from, from + n),
                    java.util.Arrays.copyOfRange(count, from, from + n),
                    java.util.Arrays.copyOfRange(weights, from * ksize, (from + n) * ksize));
        }

        /**
         * [from, to): the longest run of outputs around the middle whose taps are the same weights, as many, at a
         * constant input step (an exact integer downscale's interior); from == to when there is none.
         */
        int[] uniformRun() {
            int n = first.length;
            if (n < 3) return new int[] {0, 0};
            int mid = n / 2;
            int step = first[mid] - first[mid - 1];
            int from = mid;
            while (from > 0 && sameTaps(from - 1, mid) && first[from] - first[from - 1] == step) from--;
            int to = mid + 1;
            while (to < n && sameTaps(to, mid) && first[to] - first[to - 1] == step) to++;
            return new int[] {from, to};
        }

        private boolean sameTaps(int a, int b) {
            return count[a] == count[b] && java.util.Arrays.equals(weights, a * ksize, a * ksize + count[a],
                    weights, b * ksize, b * ksize + count[b]);
        }
    }

    /** precompute_coeffs + normalize_coeffs_8bpc for a full-extent box (in0 = 0, in1 = inSize). */
    static Coefficients coefficients(int inSize, int outSize, Filter filter) {
        return coefficients(inSize, outSize, filter, 0, outSize);
    }

    /**
     * The weights of output indices [from, from + n) only, each computed as Pillow computes it for the full extent:
     * a window of a 336 x 336,000,000 resize needs 336 rows of weights, not 336,000,000.
     */
    public static Coefficients coefficients(int inSize, int outSize, Filter filter, int from, int n) {
        Weights exact = weights(inSize, outSize, filter, from, n);
        int ksize = exact.ksize();
        int[] weights = new int[exact.k().length];
        for (int i = 0; i < n; i++) {
            for (int x = 0; x < exact.count()[i]; x++) {
                double w = exact.k()[i * ksize + x];
                // normalize_coeffs_8bpc
                weights[i * ksize + x] = w < 0
                        ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                        : (int) (0.5 + w * (1 << PRECISION_BITS));
            }
        }
        return new Coefficients(ksize, exact.first(), exact.count(), weights);
    }

    /** precompute_coeffs' double weights (each k / sum k) of output indices [from, from + n): the 32-bit passes use them as they are. */
    record Weights(int ksize, int[] first, int[] count, double[] k) {}

    static Weights weights(int inSize, int outSize, Filter filter, int from, int n) {
        double scale = (double) (float) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support * filterScale;
        int ksize = ksize(inSize, outSize, filter);
        int[] first = new int[n];
        int[] count = new int[n];
        double[] weights = new double[Math.multiplyExact(n, ksize)];
        double ss = 1.0 / filterScale;
        for (int i = 0; i < n; i++) {
            int xx = from + i;
            double center = (xx + 0.5) * scale;
            // (int) truncates toward zero as C does; both bounds are "rounded" by +0.5 the way Pillow does.
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) xmin = 0;
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            double ww = 0.0;
            int at = i * ksize;
            for (int x = 0; x < xmax; x++) {
                double w = filter.weight((x + xmin - center + 0.5) * ss);
                weights[at + x] = w;
                ww += w;
            }
            if (ww != 0.0) {
                for (int x = 0; x < xmax; x++) weights[at + x] /= ww;
            }
            first[i] = xmin;
            count[i] = xmax;
        }
        return new Weights(ksize, first, count, weights);
    }

    /** ImagingResampleInner with the 8bpc passes; any number of interleaved channels (Pillow treats each alike). */
    static Pixels resample(Pixels in, int outW, int outH, Filter filter) {
        return resampleWindow(in, null, in.mode(), outW, outH, filter, 0, 0, outW, outH);
    }

    /** Output rows per strip: the strip's horizontal-pass rows stay in the core's cache for the vertical pass. */
    static final int STRIP_ROWS = 32;

    /**
     * The w x h window at (left, top) of the width x height resample, horizontal pass first as Pillow does, in strips
     * of {@link #STRIP_ROWS} output rows: each strip runs the horizontal pass over just the input rows its vertical
     * taps read (neighbouring strips share a few, which are computed twice, to the same values), so the intermediate
     * rows are read back from cache rather than memory.
     *
     * @param rows null: the input's rows as stored; else the per-pixel conversion each strip's rows go through
     * @param mode the mode of the rows resampled (the converted one)
     */
    private static Pixels resampleWindow(Pixels in, UnaryOperator<Pixels> rows, PillowMode mode, int width,
                                         int height, Filter filter, int left, int top, int w, int h) {
        int c = mode.channels();
        boolean needHorizontal = width != in.width();
        boolean needVertical = height != in.height();
        Coefficients hor = needHorizontal ? coefficients(in.width(), width, filter, left, w) : null;
        Coefficients vert = needVertical ? coefficients(in.height(), height, filter, top, h) : null;
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), c)];
        int[] band = new int[0];
        for (int y0 = 0; y0 < h; y0 += STRIP_ROWS) {
            int n = Math.min(STRIP_ROWS, h - y0);
            Coefficients strip = needVertical ? vert.slice(y0, n) : null;
            int yFirst = top + y0;
            int yLast = yFirst + n;
            if (needVertical) {
                yFirst = Integer.MAX_VALUE;
                yLast = 0;
                for (int i = 0; i < n; i++) {
                    yFirst = Math.min(yFirst, strip.first[i]);
                    yLast = Math.max(yLast, strip.first[i] + strip.count[i]);
                }
            }
            int count = yLast - yFirst;
            byte[] src = in.data();
            int srcFirst = yFirst;
            if (rows != null) {
                src = rows.apply(in.crop(0, yFirst, in.width(), count)).data();
                srcFirst = 0;
            }
            if (band.length < w * count * c) band = new int[w * count * c];
            if (needHorizontal) {
                horizontal(src, in.width(), srcFirst, count, c, hor, band, w);
            } else {
                widen(src, in.width() * c, left * c, srcFirst, count, w * c, band);
            }
            if (needVertical) {
                vertical(band, w * c, yFirst, strip, out, y0 * w * c, n);
            } else {
                for (int i = 0, d = y0 * w * c; i < n * w * c; i++) out[d + i] = (byte) band[i];
            }
        }
        return new Pixels(w, h, mode, out);
    }

    /**
     * The horizontal pass into int samples (each 0..255, as Pillow's 8-bit intermediate image holds them): the
     * vertical pass then multiplies ints only, which C2 vectorises (it does not vectorise byte-to-int widening on
     * JDK 17).
     */
    private static void horizontal(byte[] src, int srcW, int firstRow, int rows, int c, Coefficients co,
                                   int[] dst, int dstW) {
        if (c == 3) {
            int[] run = co.uniformRun();
            if (run[1] - run[0] >= 2 && co.count[run[0]] == 8) {
                horizontal3Taps8(src, srcW, firstRow, rows, co, run[0], run[1], dst, dstW);
            } else {
                horizontal3(src, srcW, firstRow, rows, co, 0, dstW, dst, dstW);
            }
            return;
        }
        int ksize = co.ksize;
        int[] acc = new int[c];
        for (int y = 0; y < rows; y++) {
            int srcRow = (y + firstRow) * srcW * c;
            int dstRow = y * dstW * c;
            for (int xx = 0; xx < dstW; xx++) {
                int xmin = co.first[xx];
                int n = co.count[xx];
                int kOff = xx * ksize;
                java.util.Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
                for (int x = 0; x < n; x++) {
                    int w = co.weights[kOff + x];
                    int p = srcRow + (x + xmin) * c;
                    for (int ch = 0; ch < c; ch++) acc[ch] += (src[p + ch] & 0xff) * w;
                }
                for (int ch = 0; ch < c; ch++) dst[dstRow + xx * c + ch] = clip8(acc[ch]);
            }
        }
    }

    /**
     * The RGB case of {@link #horizontal} for outputs [from, to), unrolled over the channels and two rows at a time
     * (each weight is loaded once for both): the same integer sums, in fewer instructions.
     */
    private static void horizontal3(byte[] src, int srcW, int firstRow, int rows, Coefficients co, int from, int to,
                                    int[] dst, int dstW) {
        final int ksize = co.ksize;
        final int[] first = co.first;
        final int[] count = co.count;
        final int[] weights = co.weights;
        final int half = 1 << (PRECISION_BITS - 1);
        final int srcStride = srcW * 3;
        final int dstStride = dstW * 3;
        int y = 0;
        // Pairs read each pixel as one 4-byte load (its RGB and the next pixel's red): not on the image's last row.
        for (; y + 2 <= rows && (long) (y + firstRow + 2) * srcStride < src.length; y += 2) {
            int s0 = (y + firstRow) * srcStride;
            int s1 = s0 + srcStride;
            int d = y * dstStride + from * 3;
            for (int xx = from; xx < to; xx++, d += 3) {
                int n = count[xx];
                int kOff = xx * ksize;
                int p = first[xx] * 3;
                // Red and blue share one 64-bit multiply: red in the low 32 bits, blue in the high (see HALF_RB).
                long rb0 = HALF_RB, rb1 = HALF_RB;
                int g0 = half, g1 = half;
                for (int x = 0; x < n; x++, p += 3) {
                    long w = weights[kOff + x];
                    int v0 = (int) INT_LE.get(src, s0 + p);
                    int v1 = (int) INT_LE.get(src, s1 + p);
                    rb0 += rb(v0) * w;
                    g0 += g(v0) * (int) w;
                    rb1 += rb(v1) * w;
                    g1 += g(v1) * (int) w;
                }
                int r0 = (int) rb0;
                int r1 = (int) rb1;
                dst[d] = clip8(r0);
                dst[d + 1] = clip8(g0);
                dst[d + 2] = clip8((int) ((rb0 - r0) >> 32));
                dst[d + dstStride] = clip8(r1);
                dst[d + dstStride + 1] = clip8(g1);
                dst[d + dstStride + 2] = clip8((int) ((rb1 - r1) >> 32));
            }
        }
        for (; y < rows; y++) {
            int s0 = (y + firstRow) * srcStride;
            int d = y * dstStride + from * 3;
            for (int xx = from; xx < to; xx++, d += 3) {
                int n = count[xx];
                int kOff = xx * ksize;
                int p = s0 + first[xx] * 3;
                int r = half, g = half, b = half;
                for (int x = 0; x < n; x++, p += 3) {
                    int w = weights[kOff + x];
                    r += (src[p] & 0xff) * w;
                    g += (src[p + 1] & 0xff) * w;
                    b += (src[p + 2] & 0xff) * w;
                }
                dst[d] = clip8(r);
                dst[d + 1] = clip8(g);
                dst[d + 2] = clip8(b);
            }
        }
    }

    /**
     * RGB, where outputs [from, to) all use the same eight weights at a constant step (the interior of an exact 2:1
     * bicubic downscale, CLIP's 672 tile to 336): the weights stay in registers. The edges take the general loop.
     */
    private static void horizontal3Taps8(byte[] src, int srcW, int firstRow, int rows, Coefficients co, int from,
                                         int to, int[] dst, int dstW) {
        horizontal3(src, srcW, firstRow, rows, co, 0, from, dst, dstW);
        horizontal3(src, srcW, firstRow, rows, co, to, dstW, dst, dstW);
        final int half = 1 << (PRECISION_BITS - 1);
        final int k = from * co.ksize;
        final int w0 = co.weights[k], w1 = co.weights[k + 1], w2 = co.weights[k + 2], w3 = co.weights[k + 3];
        final int w4 = co.weights[k + 4], w5 = co.weights[k + 5], w6 = co.weights[k + 6], w7 = co.weights[k + 7];
        final int step = (co.first[from + 1] - co.first[from]) * 3;
        // Bicubic taps at -3.5 .. 3.5 around the centre (the 2:1 case) have mirrored weights.
        final boolean symmetric = w0 == w7 && w1 == w6 && w2 == w5 && w3 == w4;
        final int srcStride = srcW * 3;
        final int dstStride = dstW * 3;
        for (int y = 0; y < rows; y++) {
            int p = (y + firstRow) * srcStride + co.first[from] * 3;
            int d = y * dstStride + from * 3;
            if ((long) (y + firstRow + 1) * srcStride >= src.length) {
                // The image's last row: byte loads (a 4-byte load of its last pixel would run past the array).
                for (int xx = from; xx < to; xx++, d += 3, p += step) {
                    for (int ch = 0; ch < 3; ch++) {
                        int q = p + ch;
                        int acc = half + (src[q] & 0xff) * w0 + (src[q + 3] & 0xff) * w1 + (src[q + 6] & 0xff) * w2
                                + (src[q + 9] & 0xff) * w3 + (src[q + 12] & 0xff) * w4 + (src[q + 15] & 0xff) * w5
                                + (src[q + 18] & 0xff) * w6 + (src[q + 21] & 0xff) * w7;
                        dst[d + ch] = clip8(acc);
                    }
                }
                continue;
            }
            if (symmetric) {
                // w0 = w7, w1 = w6, ...: w0 * a + w7 * b = w0 * (a + b), half the multiplies, the same sums.
                for (int xx = from; xx < to; xx++, d += 3, p += step) {
                    int v0 = (int) INT_LE.get(src, p);
                    int v1 = (int) INT_LE.get(src, p + 3);
                    int v2 = (int) INT_LE.get(src, p + 6);
                    int v3 = (int) INT_LE.get(src, p + 9);
                    int v4 = (int) INT_LE.get(src, p + 12);
                    int v5 = (int) INT_LE.get(src, p + 15);
                    int v6 = (int) INT_LE.get(src, p + 18);
                    int v7 = (int) INT_LE.get(src, p + 21);
                    long rb = HALF_RB + (rb(v0) + rb(v7)) * w0 + (rb(v1) + rb(v6)) * w1 + (rb(v2) + rb(v5)) * w2
                            + (rb(v3) + rb(v4)) * w3;
                    int g = half + (g(v0) + g(v7)) * w0 + (g(v1) + g(v6)) * w1 + (g(v2) + g(v5)) * w2
                            + (g(v3) + g(v4)) * w3;
                    int r = (int) rb;
                    dst[d] = clip8(r);
                    dst[d + 1] = clip8(g);
                    dst[d + 2] = clip8((int) ((rb - r) >> 32));
                }
                continue;
            }
            for (int xx = from; xx < to; xx++, d += 3, p += step) {
                // As horizontal3: one 4-byte load per pixel, red and blue in one 64-bit multiply.
                int v0 = (int) INT_LE.get(src, p);
                int v1 = (int) INT_LE.get(src, p + 3);
                int v2 = (int) INT_LE.get(src, p + 6);
                int v3 = (int) INT_LE.get(src, p + 9);
                int v4 = (int) INT_LE.get(src, p + 12);
                int v5 = (int) INT_LE.get(src, p + 15);
                int v6 = (int) INT_LE.get(src, p + 18);
                int v7 = (int) INT_LE.get(src, p + 21);
                long rb = HALF_RB + rb(v0) * w0 + rb(v1) * w1 + rb(v2) * w2 + rb(v3) * w3 + rb(v4) * w4
                        + rb(v5) * w5 + rb(v6) * w6 + rb(v7) * w7;
                int g = half + g(v0) * w0 + g(v1) * w1 + g(v2) * w2 + g(v3) * w3 + g(v4) * w4 + g(v5) * w5
                        + g(v6) * w6 + g(v7) * w7;
                int r = (int) rb;
                dst[d] = clip8(r);
                dst[d + 1] = clip8(g);
                dst[d + 2] = clip8((int) ((rb - r) >> 32));
            }
        }
    }

    /** Red in the low and blue in the high 32 bits of a long, from a little-endian 4-byte load of R, G, B. */
    private static long rb(int v) {
        return (v & 0xff) | (long) (v & 0xff0000) << 16;
    }

    private static int g(int v) {
        return (v >>> 8) & 0xff;
    }

    /**
     * The vertical pass over int samples, row-major (same integer sums as Pillow's per-pixel loop; int addition is
     * associative, so the order of the terms cannot change a result). Four taps per sweep of the row: fewer passes
     * over the accumulator, and the int-only loop vectorises.
     */
    private static void vertical(int[] src, int rowLen, int rowOffset, Coefficients co, byte[] dst, int dstOffset,
                                 int dstH) {
        int ksize = co.ksize;
        int[] acc = new int[rowLen];
        int[] weights = co.weights;
        for (int yy = 0; yy < dstH; yy++) {
            int ymin = co.first[yy] - rowOffset;
            int n = co.count[yy];
            int kOff = yy * ksize;
            java.util.Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
            int y = 0;
            for (; y + 4 <= n; y += 4) {
                int w0 = weights[kOff + y], w1 = weights[kOff + y + 1];
                int w2 = weights[kOff + y + 2], w3 = weights[kOff + y + 3];
                int p0 = (y + ymin) * rowLen, p1 = p0 + rowLen, p2 = p1 + rowLen, p3 = p2 + rowLen;
                for (int i = 0; i < rowLen; i++) {
                    acc[i] += src[p0 + i] * w0 + src[p1 + i] * w1 + src[p2 + i] * w2 + src[p3 + i] * w3;
                }
            }
            for (; y < n; y++) {
                int w = weights[kOff + y];
                int p = (y + ymin) * rowLen;
                for (int i = 0; i < rowLen; i++) acc[i] += src[p + i] * w;
            }
            int q = dstOffset + yy * rowLen;
            for (int i = 0; i < rowLen; i++) dst[q + i] = (byte) clip8(acc[i]);
        }
    }

    /** Rows [firstRow, firstRow + rows) of a byte image, len bytes from byte from, as int samples (no horizontal pass). */
    private static void widen(byte[] b, int stride, int from, int firstRow, int rows, int len, int[] dst) {
        for (int y = 0; y < rows; y++) {
            int s = (firstRow + y) * stride + from;
            int d = y * len;
            for (int i = 0; i < len; i++) dst[d + i] = b[s + i] & 0xff;
        }
    }

    private static byte[] narrow(int[] a) {
        byte[] out = new byte[a.length];
        for (int i = 0; i < a.length; i++) out[i] = (byte) a[i];
        return out;
    }

    /** Pillow's clip8: the top bits of the fixed-point sum, clamped to 0..255. */
    private static int clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /**
     * ImagingScaleAffine, the NEAREST path of Image.resize: source positions are accumulated (not multiplied) in
     * double, starting at half a step, and truncated.
     */
    static Pixels nearest(Pixels in, int outW, int outH) {
        return nearestWindow(in, outW, outH, 0, 0, outW, outH);
    }

    /** The w x h window at (left, top) of {@link #nearest}: the same picks, only the window's pixels copied. */
    static Pixels nearestWindow(Pixels in, int outW, int outH, int left, int top, int w, int h) {
        int c = in.mode().channels();
        int[] xin = nearestSources(in.width(), outW, left, w);
        int[] yin = nearestSources(in.height(), outH, top, h);
        byte[] src = in.data();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), c)];
        for (int y = 0; y < h; y++) {
            int srcRow = yin[y] * in.width() * c;
            int dstRow = y * w * c;
            for (int x = 0; x < w; x++) {
                System.arraycopy(src, srcRow + xin[x] * c, out, dstRow + x * c, c);
            }
        }
        return new Pixels(w, h, in.mode(), out);
    }

    /** The source index of outputs [from, from + n); the sum runs from 0 so that it rounds as Pillow's does. */
    public static int[] nearestSources(int inSize, int outSize, int from, int n) {
        double a = (double) (float) inSize / outSize;
        int[] sources = new int[n];
        double o = a * 0.5;
        for (int i = 0; i < from + n; i++) {
            if (i >= from) sources[i - from] = Math.min((int) o, inSize - 1);
            o += a;
        }
        return sources;
    }

    /** RGBA to "RGBa" (LA to "La"): colour times alpha with Pillow's MULDIV255 rounding. */
    static Pixels premultiply(Pixels in) {
        int c = in.mode().channels();
        byte[] s = in.data();
        byte[] out = new byte[s.length];
        for (int p = 0; p < s.length; p += c) {
            int alpha = s[p + c - 1] & 0xff;
            for (int ch = 0; ch < c - 1; ch++) {
                int tmp = (s[p + ch] & 0xff) * alpha + 128;
                out[p + ch] = (byte) (((tmp >> 8) + tmp) >> 8);
            }
            out[p + c - 1] = (byte) alpha;
        }
        return new Pixels(in.width(), in.height(), in.mode(), out);
    }

    /** "RGBa" back to RGBA: 255*v/alpha truncated and clipped; alpha 0 and 255 keep the stored colour. */
    static Pixels unpremultiply(Pixels in) {
        int c = in.mode().channels();
        byte[] s = in.data();
        for (int p = 0; p < s.length; p += c) {
            int alpha = s[p + c - 1] & 0xff;
            if (alpha == 0 || alpha == 255) continue;
            for (int ch = 0; ch < c - 1; ch++) {
                s[p + ch] = (byte) Math.min(255, 255 * (s[p + ch] & 0xff) / alpha);
            }
        }
        return in;
    }
}
