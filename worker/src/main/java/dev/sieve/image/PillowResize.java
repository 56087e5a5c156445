package dev.sieve.image;

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
    static final int PRECISION_BITS = 32 - 8 - 2;

    private PillowResize() {
    }

    /** Image.resize((width, height), filter) as Pillow does it for this image's mode. */
    public static Pixels resize(Pixels in, int width, int height, Filter filter) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("height and width must be > 0, got " + width + "x" + height);
        }
        if (in.width() == width && in.height() == height) return in;
        if (in.mode().nearestOnly()) return nearest(in, width, height);
        if (in.mode().premultipliedResize()) {
            Pixels resized = resample(premultiply(in), width, height, filter);
            return unpremultiply(resized);
        }
        return resample(in, width, height, filter);
    }

    /**
     * The w x h window at (left, top) of {@code resize(in, width, height, filter)}, computed alone: every output
     * pixel depends only on its own weights, so this is byte-identical to cropping the full resize while resampling
     * only the window's pixels (the tiling path reads five 672 windows of the 1536 step's output, about 60% of it
     * for a 3:2 image). Modes Pillow resizes with nearest or premultiplied take the full resize, then crop.
     */
    public static Pixels resizeWindow(Pixels in, int width, int height, Filter filter, int left, int top, int w,
                                      int h) {
        if (left < 0 || top < 0 || w < 1 || h < 1 || left + w > width || top + h > height) {
            throw new IllegalArgumentException("window " + w + "x" + h + "+" + left + "+" + top + " outside "
                    + width + "x" + height);
        }
        if (in.width() == width && in.height() == height) return in.crop(left, top, w, h);
        if (in.mode().nearestOnly() || in.mode().premultipliedResize()) {
            return resize(in, width, height, filter).crop(left, top, w, h);
        }
        int c = in.mode().channels();
        boolean needHorizontal = width != in.width();
        boolean needVertical = height != in.height();
        Coefficients vert = needVertical ? coefficients(in.height(), height, filter).slice(top, h) : null;
        int yFirst = top;
        int yLast = top + h;
        if (needVertical) {
            yFirst = Integer.MAX_VALUE;
            yLast = 0;
            for (int i = 0; i < h; i++) {
                yFirst = Math.min(yFirst, vert.first[i]);
                yLast = Math.max(yLast, vert.first[i] + vert.count[i]);
            }
        }
        int rows = yLast - yFirst;
        byte[] band;
        if (needHorizontal) {
            band = new byte[w * rows * c];
            horizontal(in.data(), in.width(), yFirst, rows, c, coefficients(in.width(), width, filter).slice(left, w),
                    band, w);
        } else {
            band = in.crop(left, yFirst, w, rows).data();
        }
        if (!needVertical) return new Pixels(w, h, in.mode(), band);
        byte[] out = new byte[w * h * c];
        vertical(band, w, yFirst, c, vert, out, h);
        return new Pixels(w, h, in.mode(), out);
    }

    /** Weights of a 1-D resampling pass: for each output index, the first input index, a count and fixed-point weights. */
    record Coefficients(int ksize, int[] first, int[] count, int[] weights) {
        /** The weights of output indices [from, from + n). */
        Coefficients slice(int from, int n) {
            return new Coefficients(ksize, java.util.Arrays.copyOfRange(first, from, from + n),
                    java.util.Arrays.copyOfRange(count, from, from + n),
                    java.util.Arrays.copyOfRange(weights, from * ksize, (from + n) * ksize));
        }
    }

    /** precompute_coeffs + normalize_coeffs_8bpc for a full-extent box (in0 = 0, in1 = inSize). */
    static Coefficients coefficients(int inSize, int outSize, Filter filter) {
        // Pillow keeps the box in C floats; sizes below 2^24 are exact in a float, so a double of inSize is the same.
        double scale = (double) (float) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        int[] weights = new int[outSize * ksize];
        double[] k = new double[ksize];
        double ss = 1.0 / filterScale;
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            // (int) truncates toward zero as C does; both bounds are "rounded" by +0.5 the way Pillow does.
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) xmin = 0;
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                double w = filter.weight((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) {
                double w = ww != 0.0 ? k[x] / ww : k[x];
                weights[xx * ksize + x] = w < 0
                        ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                        : (int) (0.5 + w * (1 << PRECISION_BITS));
            }
            first[xx] = xmin;
            count[xx] = xmax;
        }
        return new Coefficients(ksize, first, count, weights);
    }

    /** ImagingResampleInner with the 8bpc passes; any number of interleaved channels (Pillow treats each alike). */
    static Pixels resample(Pixels in, int outW, int outH, Filter filter) {
        int c = in.mode().channels();
        int inW = in.width();
        int inH = in.height();
        boolean needHorizontal = outW != inW;
        boolean needVertical = outH != inH;
        Coefficients vert = coefficients(inH, outH, filter);
        int yFirst = vert.first[0];
        int yLast = vert.first[outH - 1] + vert.count[outH - 1];

        byte[] src = in.data();
        int srcW = inW;
        int rowOffset = 0;
        if (needHorizontal) {
            Coefficients hor = coefficients(inW, outW, filter);
            int rows = yLast - yFirst;
            byte[] tmp = new byte[outW * rows * c];
            horizontal(src, inW, yFirst, rows, c, hor, tmp, outW);
            src = tmp;
            srcW = outW;
            rowOffset = yFirst;
        }
        if (!needVertical) {
            // Only the horizontal pass ran, over every row (the vertical bounds of an identity cover all rows).
            return new Pixels(outW, outH, in.mode(), src);
        }
        byte[] out = new byte[srcW * outH * c];
        vertical(src, srcW, rowOffset, c, vert, out, outH);
        return new Pixels(srcW, outH, in.mode(), out);
    }

    private static void horizontal(byte[] src, int srcW, int firstRow, int rows, int c, Coefficients co,
                                   byte[] dst, int dstW) {
        if (c == 3) {
            horizontal3(src, srcW, firstRow, rows, co, dst, dstW);
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

    /** The RGB case of {@link #horizontal}, unrolled: the same integer sums, without the per-channel loop. */
    private static void horizontal3(byte[] src, int srcW, int firstRow, int rows, Coefficients co, byte[] dst,
                                    int dstW) {
        int ksize = co.ksize;
        int half = 1 << (PRECISION_BITS - 1);
        for (int y = 0; y < rows; y++) {
            int srcRow = (y + firstRow) * srcW * 3;
            int d = y * dstW * 3;
            for (int xx = 0; xx < dstW; xx++, d += 3) {
                int n = co.count[xx];
                int kOff = xx * ksize;
                int p = srcRow + co.first[xx] * 3;
                int r = half;
                int g = half;
                int b = half;
                for (int x = 0; x < n; x++, p += 3) {
                    int w = co.weights[kOff + x];
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

    private static void vertical(byte[] src, int w, int rowOffset, int c, Coefficients co, byte[] dst, int dstH) {
        int ksize = co.ksize;
        int rowLen = w * c;
        int[] acc = new int[rowLen];
        for (int yy = 0; yy < dstH; yy++) {
            int ymin = co.first[yy] - rowOffset;
            int n = co.count[yy];
            int kOff = yy * ksize;
            java.util.Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
            // Row-major accumulation: same integer sums as Pillow's per-pixel loop, in a cache-friendly order.
            for (int y = 0; y < n; y++) {
                int wgt = co.weights[kOff + y];
                int p = (y + ymin) * rowLen;
                for (int i = 0; i < rowLen; i++) acc[i] += (src[p + i] & 0xff) * wgt;
            }
            int q = yy * rowLen;
            for (int i = 0; i < rowLen; i++) dst[q + i] = clip8(acc[i]);
        }
    }

    /** Pillow's clip8: the top bits of the fixed-point sum, clamped to a byte. */
    private static byte clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /**
     * ImagingScaleAffine, the NEAREST path of Image.resize: source positions are accumulated (not multiplied) in
     * double, starting at half a step, and truncated.
     */
    static Pixels nearest(Pixels in, int outW, int outH) {
        int c = in.mode().channels();
        double ax = (double) (float) in.width() / outW;
        double ay = (double) (float) in.height() / outH;
        int[] xin = new int[outW];
        double xo = ax * 0.5;
        for (int x = 0; x < outW; x++) {
            xin[x] = Math.min((int) xo, in.width() - 1);
            xo += ax;
        }
        byte[] src = in.data();
        byte[] out = new byte[outW * outH * c];
        double yo = ay * 0.5;
        for (int y = 0; y < outH; y++) {
            int yi = Math.min((int) yo, in.height() - 1);
            int srcRow = yi * in.width() * c;
            int dstRow = y * outW * c;
            for (int x = 0; x < outW; x++) {
                System.arraycopy(src, srcRow + xin[x] * c, out, dstRow + x * c, c);
            }
            yo += ay;
        }
        return new Pixels(outW, outH, in.mode(), out);
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
