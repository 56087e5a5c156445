package dev.sieve.image;

import dev.sieve.image.device.DeviceImage;

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
 * @param preprocessNanos time spent tiling, resizing and normalising (on the host; planning the device step), and hashing
 * @param perceptualHash  {@link PerceptualHash} of the decoded pixels (0 when crops were made elsewhere)
 * @param device          the decoded pixels and tables for the device step (--preprocess-on device); then tiles
 *                        and whole are null and the model's device makes them; null when prepared on the host
 */
public record PreparedImage(int width, int height, boolean tiled, int tileCount, float[] tiles, float[] whole,
                            long decodeNanos, long preprocessNanos, long perceptualHash, DeviceImage device) {

    /** Crops made elsewhere (tests, benchmarks): on the host, no pixels were hashed, the hash is 0. */
    public PreparedImage(int width, int height, boolean tiled, int tileCount, float[] tiles, float[] whole,
                         long decodeNanos, long preprocessNanos) {
        this(width, height, tiled, tileCount, tiles, whole, decodeNanos, preprocessNanos, 0, null);
    }

    /** Prepared on the host. */
    public PreparedImage(int width, int height, boolean tiled, int tileCount, float[] tiles, float[] whole,
                         long decodeNanos, long preprocessNanos, long perceptualHash) {
        this(width, height, tiled, tileCount, tiles, whole, decodeNanos, preprocessNanos, perceptualHash, null);
    }

    /** The crop a score head sees: the whole image. */
    public float[] wholeImage() {
        return tiled ? whole : tiles;
    }
}
