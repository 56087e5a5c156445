package dev.sieve.image.resize;

/**
 * city96's tiling rule ({@code CityClassifierPipeline.get_clip_emb}): tile only when the shorter side is larger
 * than the tile (2 x CLIP size); before cutting, an image whose longer side is over 1536 is resized so that its
 * <em>shorter</em> side is 1536 (torchvision {@code resize(img, 1536)}), which can upscale: 800x2000 is tiled
 * from 1536x3840.
 *
 * @param tiled        whether the image is cut into five tiles
 * @param resizeWidth  width before five_crop (the decoded width when no resize happens)
 * @param resizeHeight height before five_crop
 */
public record TilePlan(boolean tiled, int resizeWidth, int resizeHeight) {

    /** The reference's constant: only images whose longer side exceeds it are resized before tiling. */
    public static final int MAX_TILING_SIDE = 1536;

    public static TilePlan of(int width, int height, int tileSize, boolean tiling) {
        if (!tiling || Math.min(width, height) <= tileSize) return new TilePlan(false, width, height);
        if (Math.max(width, height) <= MAX_TILING_SIDE) return new TilePlan(true, width, height);
        int[] wh = shortestEdge(width, height, MAX_TILING_SIDE);
        return new TilePlan(true, wh[0], wh[1]);
    }

    /** True when the image must be resized before five_crop. */
    public boolean resized(int width, int height) {
        return resizeWidth != width || resizeHeight != height;
    }

    /**
     * Output size when the shorter side is set to {@code size}, as torchvision's _compute_resized_output_size and
     * transformers' get_resize_output_image_size both compute it: the long side is {@code int(size * long / short)},
     * a truncated float64 quotient.
     */
    public static int[] shortestEdge(int width, int height, int size) {
        long[] wh = shortestEdgeExact(width, height, size);
        return new int[] {Math.toIntExact(wh[0]), Math.toIntExact(wh[1])};
    }

    /** As {@link #shortestEdge}, for sizes past an int too (a 1 x 10^8 image's is 336 x 33,600,000,000). */
    public static long[] shortestEdgeExact(int width, int height, int size) {
        boolean wide = width > height;
        int shortSide = wide ? height : width;
        int longSide = wide ? width : height;
        long newLong = (long) ((double) ((long) size * longSide) / shortSide);
        return wide ? new long[] {newLong, size} : new long[] {size, newLong};
    }

    /**
     * The smallest shorter side a decode of a width x height image may have (a DCT-scaled decode) so that it is still
     * at least the size of the next step's output: 1536 when the plan resizes before tiling, the CLIP input size when
     * the image is not tiled (the processor's shortest-edge resize comes next), and the full size when the tiles are
     * cut from the image as decoded.
     */
    public static int minDecodedShortSide(int width, int height, int tileSize, int clipSize, boolean tiling) {
        TilePlan plan = of(width, height, tileSize, tiling);
        int shortSide = Math.min(width, height);
        if (!plan.tiled()) return Math.min(shortSide, clipSize);
        if (plan.resized(width, height)) return Math.min(shortSide, Math.min(plan.resizeWidth(), plan.resizeHeight()));
        return shortSide;
    }
}
