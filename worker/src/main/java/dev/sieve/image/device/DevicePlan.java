package dev.sieve.image.device;

import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import dev.sieve.image.clip.ClipPreprocessing;
import dev.sieve.image.resize.FiveCrop;
import dev.sieve.image.resize.PillowResize;
import dev.sieve.image.resize.TilePlan;
import java.util.Arrays;
import java.util.List;

/**
 * What the device step ({@code pillow-preprocess.pt}, made by scripts/models/export_pillow_preprocess.py) needs to
 * prepare one image exactly as the host path does: the coefficient tables Pillow would use, computed here by the same
 * code as the host's ({@link PillowResize#coefficients}, {@link PillowResize#nearestSources}), the tile origins and
 * the mode's handling. The module only applies them, in Pillow's integer arithmetic.
 *
 * <p>Each resize is a {@link Resize}: the input rows its vertical taps read, then a horizontal and a vertical
 * {@link Pass} (identity, one tap of weight 1.0, in a direction whose size does not change). The 1536 step resamples
 * only the rows and columns the five tiles cover, as the host's windows do: a 673 x 100,000 image's step output is
 * 1536 x 228,234, of which the tiles read 2,016 rows.
 *
 * @param premultiply  the 1536 step resamples RGBA and LA premultiplied, as Pillow does
 * @param tiled        five tiles (shorter side over the tile size), else the whole image is the one crop
 * @param step         the 1536 step over the tiles' rows and columns; null when the tiles are cut from the decode
 * @param origins      the five tiles' (left, top) in the step's output grid (or the decoded image), five_crop order
 * @param tileSize     the tile's side (2 x CLIP size)
 * @param rgb          the source channel of R, G and B in convert("RGB"): alpha dropped, grey repeated
 * @param tile         CLIP's resize and centre crop of one tile; null when not tiled
 * @param whole        CLIP's resize and centre crop of the whole image; null when tiled and the whole is not wanted
 */
public record DevicePlan(boolean premultiply, boolean tiled, Resize step, List<FiveCrop.Origin> origins, int tileSize,
                         int[] rgb, Resize tile, Resize whole) {

    /** The modes the device step covers; any other (CMYK, modes added later) is prepared on the host. */
    public static boolean covers(PillowMode mode) {
        return switch (mode) {
            case RGB, RGBA, L, LA, P, BILEVEL -> true;
            default -> false;
        };
    }

    /** Output rows: the five tiles, then the whole image when tiled and wanted; or the one crop. */
    public int crops() {
        return tiled ? (whole != null ? 6 : 5) : 1;
    }

    /**
     * The module's scalar inputs: premultiply, tiled, stepped, want whole, tile size, the three RGB channels, and the
     * five origins (left, top).
     */
    public long[] params() {
        long[] p = new long[18];
        p[0] = premultiply ? 1 : 0;
        p[1] = tiled ? 1 : 0;
        p[2] = step != null ? 1 : 0;
        p[3] = tiled && whole != null ? 1 : 0;
        p[4] = tileSize;
        for (int c = 0; c < 3; c++) p[5 + c] = rgb[c];
        for (int t = 0; t < origins.size(); t++) {
            p[8 + 2 * t] = origins.get(t).left();
            p[9 + 2 * t] = origins.get(t).top();
        }
        return p;
    }

    /**
     * The plan for a decoded image, as {@code ImagePreparer} prepares it: the tile plan from the full size (a JPEG may
     * have been decoded DCT-scaled), the 1536 step from the decoded size, CLIP's resize from the crop's size.
     *
     * @throws IllegalArgumentException when the mode is not {@linkplain #covers covered}
     */
    public static DevicePlan of(Pixels image, int fullWidth, int fullHeight, ClipPreprocessing clip, boolean tiling,
                                boolean wantWhole) {
        PillowMode mode = image.mode();
        if (!covers(mode)) throw new IllegalArgumentException("the device step does not cover mode " + mode);
        int[] rgb = switch (mode) {
            case L, LA, BILEVEL -> new int[] {0, 0, 0};
            default -> new int[] {0, 1, 2};
        };
        int size = clip.tileSize();
        TilePlan plan = TilePlan.of(fullWidth, fullHeight, size, tiling);
        if (!plan.tiled()) {
            return new DevicePlan(false, false, null, List.of(), size, rgb, null, clipResize(image.width(),
                    image.height(), clip));
        }
        Resize whole = wantWhole ? clipResize(image.width(), image.height(), clip) : null;
        Resize tile = clipResize(size, size, clip);
        if (!plan.resized(image.width(), image.height())) {
            return new DevicePlan(false, true, null, FiveCrop.origins(image.width(), image.height(), size), size, rgb,
                    tile, whole);
        }
        List<FiveCrop.Origin> onStep = FiveCrop.origins(plan.resizeWidth(), plan.resizeHeight(), size);
        int[] columns = covered(onStep.stream().mapToInt(FiveCrop.Origin::left).toArray(), size);
        int[] rows = covered(onStep.stream().mapToInt(FiveCrop.Origin::top).toArray(), size);
        boolean nearest = mode.nearestOnly();
        Resize step = Resize.of(image.width(), image.height(), plan.resizeWidth(), plan.resizeHeight(), columns, rows,
                nearest ? null : PillowResize.Filter.BILINEAR);
        List<FiveCrop.Origin> onGrid = onStep.stream().map(o -> new FiveCrop.Origin(
                Arrays.binarySearch(columns, o.left()), Arrays.binarySearch(rows, o.top()))).toList();
        return new DevicePlan(!nearest && mode.premultipliedResize(), true, step, onGrid, size, rgb, tile, whole);
    }

    /** ClipProcessor.rgbCrop's geometry: shorter side to S (bicubic), transformers' floored centre crop. */
    private static Resize clipResize(int width, int height, ClipPreprocessing clip) {
        int[] wh = TilePlan.shortestEdge(width, height, clip.size());
        int crop = clip.cropSize();
        return Resize.of(width, height, wh[0], wh[1], range((wh[0] - crop) / 2, crop), range((wh[1] - crop) / 2, crop),
                PillowResize.Filter.BICUBIC);
    }

    /** The sorted distinct outputs of the windows [start, start + size): each window stays a run in the result. */
    private static int[] covered(int[] starts, int size) {
        return Arrays.stream(starts).flatMap(s -> java.util.stream.IntStream.range(s, s + size)).distinct().sorted()
                .toArray();
    }

    private static int[] range(int from, int n) {
        return java.util.stream.IntStream.range(from, from + n).toArray();
    }

    /**
     * One window of a resize: the input rows read, then the horizontal and the vertical pass.
     *
     * @param rows       the input rows the vertical taps read, ascending
     * @param horizontal over input columns
     * @param vertical   over positions in {@code rows}
     */
    public record Resize(long[] rows, Pass horizontal, Pass vertical) {

        /**
         * The outputs {@code columns} x {@code rows} (ascending) of Pillow's resize of an inWidth x inHeight image to
         * outWidth x outHeight.
         *
         * @param filter null: nearest neighbour (Pillow's "P" and "1")
         */
        static Resize of(int inWidth, int inHeight, int outWidth, int outHeight, int[] columns, int[] outRows,
                         PillowResize.Filter filter) {
            // Pillow copies when neither size changes, and skips the pass of a direction whose size does not.
            boolean copy = inWidth == outWidth && inHeight == outHeight;
            Pass horizontal = Pass.of(inWidth, outWidth, columns, copy ? null : filter, copy);
            Pass vertical = Pass.of(inHeight, outHeight, outRows, copy ? null : filter, copy);
            long[] read = Arrays.stream(vertical.index).distinct().sorted().toArray();
            long[] position = vertical.index.clone();
            for (int i = 0; i < position.length; i++) position[i] = Arrays.binarySearch(read, position[i]);
            return new Resize(read, new Pass(horizontal.outputs, horizontal.taps, horizontal.index, horizontal.weights),
                    new Pass(vertical.outputs, vertical.taps, position, vertical.weights));
        }
    }

    /**
     * One direction of a resize: for each output, {@code taps} input positions and Pillow's fixed-point weights
     * (0 past the output's own count, where the position repeats a valid one). Row-major [outputs][taps].
     */
    public record Pass(int outputs, int taps, long[] index, long[] weights) {

        private static final long ONE = 1L << PillowResize.PRECISION_BITS;

        /** The module's [2, outputs, taps] table: positions, then weights. */
        public long[] table() {
            long[] t = Arrays.copyOf(index, index.length * 2);
            System.arraycopy(weights, 0, t, index.length, weights.length);
            return t;
        }

        static Pass of(int inSize, int outSize, int[] outputs, PillowResize.Filter filter, boolean copy) {
            int n = outputs.length;
            if (copy || inSize == outSize) return oneTap(outputs, outputs);
            if (filter == null) {
                int[] sources = new int[n];
                int from = 0;
                while (from < n) {
                    int to = run(outputs, from);
                    int[] picked = PillowResize.nearestSources(inSize, outSize, outputs[from], to - from);
                    System.arraycopy(picked, 0, sources, from, to - from);
                    from = to;
                }
                return oneTap(outputs, sources);
            }
            long[] index = null;
            long[] weights = null;
            int taps = 0;
            int from = 0;
            while (from < n) {
                int to = run(outputs, from);
                PillowResize.Coefficients c =
                        PillowResize.coefficients(inSize, outSize, filter, outputs[from], to - from);
                if (index == null) {
                    taps = c.ksize();
                    index = new long[Math.multiplyExact(n, taps)];
                    weights = new long[n * taps];
                }
                for (int i = 0; i < to - from; i++) {
                    int o = (from + i) * taps;
                    for (int k = 0; k < taps; k++) {
                        boolean used = k < c.count()[i];
                        index[o + k] = c.first()[i] + (used ? k : Math.max(0, c.count()[i] - 1));
                        weights[o + k] = used ? c.weights()[i * taps + k] : 0;
                    }
                }
                from = to;
            }
            return new Pass(n, taps, index, weights);
        }

        /** Output i reads input sources[i] with weight 1.0: a copy, or a nearest-neighbour pick. */
        private static Pass oneTap(int[] outputs, int[] sources) {
            long[] index = Arrays.stream(sources).asLongStream().toArray();
            long[] weights = new long[outputs.length];
            Arrays.fill(weights, ONE);
            return new Pass(outputs.length, 1, index, weights);
        }

        /** The end of the run of consecutive outputs starting at from. */
        private static int run(int[] outputs, int from) {
            int to = from + 1;
            while (to < outputs.length && outputs[to] == outputs[to - 1] + 1) to++;
            return to;
        }
    }
}
