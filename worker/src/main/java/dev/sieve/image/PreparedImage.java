package dev.sieve.image;

/**
 * One image ready for CLIP: its crops, already resized, centre-cropped and normalised.
 *
 * @param width           decoded width in pixels (before any resize)
 * @param height          decoded height in pixels
 * @param tiled           true when the image was cut into five tiles (shorter side > 2 x CLIP size)
 * @param tileCount       5 when tiled, 1 when the whole image is the only crop
 * @param tiles           tileCount x 3 x S x S floats, CHW per crop, in five_crop order
 *                        (top-left, top-right, bottom-left, bottom-right, centre)
 * @param whole           3 x S x S floats of the untiled image, for score heads (which never tile);
 *                        null when not asked for or when the image is not tiled (then tiles holds it)
 * @param decodeNanos     time spent decoding the bytes
 * @param preprocessNanos time spent tiling, resizing and normalising (and hashing)
 * @param perceptualHash  {@link PerceptualHash} of the decoded pixels
 */
public record PreparedImage(int width, int height, boolean tiled, int tileCount, float[] tiles, float[] whole,
                            long decodeNanos, long preprocessNanos, long perceptualHash) {

    /** Crops made elsewhere (tests, benchmarks): no pixels were hashed, the hash is 0. */
    public PreparedImage(int width, int height, boolean tiled, int tileCount, float[] tiles, float[] whole,
                         long decodeNanos, long preprocessNanos) {
        this(width, height, tiled, tileCount, tiles, whole, decodeNanos, preprocessNanos, 0);
    }

    /** The crop a score head sees: the whole image. */
    public float[] wholeImage() {
        return tiled ? whole : tiles;
    }
}
