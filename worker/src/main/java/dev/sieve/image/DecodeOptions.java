package dev.sieve.image;

/**
 * How encoded bytes become pixels.
 *
 * @param maxPixels       width x height above which an image is refused before it is decoded (decompression-bomb
 *                        guard). The default is Pillow's own refusal threshold, 2 x Image.MAX_IMAGE_PIXELS =
 *                        178,956,970: anything the reference can open, sieve can score, and nothing it refuses.
 *                        Such an image costs up to 4 bytes a pixel (~716 MB) while decoding: lower this when
 *                        several decode threads share a small heap.
 * @param exifOrientation whether to apply a JPEG's EXIF orientation (rotate/flip) after decoding. Off by default
 *                        because the reference ({@code Image.open} without {@code exif_transpose}) does not.
 */
public record DecodeOptions(long maxPixels, boolean exifOrientation) {

    /** Pillow's {@code Image.MAX_IMAGE_PIXELS} (int(1024 * 1024 * 1024 // 4 // 3)); it raises above twice this. */
    public static final long PILLOW_MAX_IMAGE_PIXELS = 89_478_485L;

    /** Four bytes a pixel must still fit in one Java array. */
    public static final long MAX_MAX_PIXELS = (Integer.MAX_VALUE - 16) / 4;

    public DecodeOptions {
        if (maxPixels < 1 || maxPixels > MAX_MAX_PIXELS) {
            throw new IllegalArgumentException("maxPixels must be in [1, " + MAX_MAX_PIXELS + "], got " + maxPixels);
        }
    }

    public static DecodeOptions defaults() {
        return new DecodeOptions(2 * PILLOW_MAX_IMAGE_PIXELS, false);
    }
}
