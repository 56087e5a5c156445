package dev.sieve.image.decode;

import dev.sieve.image.resize.TilePlan;

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
 * @param jpegDecoder     which decoder JPEGs go through. {@link JpegDecoder#AUTO} (default): libjpeg-turbo when
 *                        Debian's libturbojpeg0 loads (the library and settings Pillow uses: bit-exact on an 80-JPEG
 *                        corpus, and a 24 MP JPEG decodes in ~0.75x ImageIO's time), else ImageIO (also bit-exact).
 * @param dctScaling      let libjpeg-turbo decode a large JPEG at M/8 of its size when the result is still at least
 *                        the size the next resize step produces (see {@link TilePlan#minDecodedShortSide}): about 2x
 *                        faster preprocessing of a 24 MP JPEG, but measured at up to 9.3e-3 probability difference on
 *                        tiled images and 0.11 on untiled ones against the reference (tolerance 1e-4), so off by
 *                        default. docs/fidelity.md has the figures.
 */
public record DecodeOptions(long maxPixels, boolean exifOrientation, JpegDecoder jpegDecoder, boolean dctScaling) {

    /** Pillow's {@code Image.MAX_IMAGE_PIXELS} (int(1024 * 1024 * 1024 // 4 // 3)); it raises above twice this. */
    public static final long PILLOW_MAX_IMAGE_PIXELS = 89_478_485L;

    /** Four bytes a pixel must still fit in one Java array. */
    public static final long MAX_MAX_PIXELS = (Integer.MAX_VALUE - 16) / 4;

    public enum JpegDecoder {
        /** libjpeg-turbo when it loads, else ImageIO. */
        AUTO,
        /** Always ImageIO (the JDK's IJG libjpeg 6b). */
        IMAGEIO
    }

    public DecodeOptions {
        if (maxPixels < 1 || maxPixels > MAX_MAX_PIXELS) {
            throw new IllegalArgumentException("maxPixels must be in [1, " + MAX_MAX_PIXELS + "], got " + maxPixels);
        }
        if (jpegDecoder == null) throw new IllegalArgumentException("jpegDecoder must be set");
    }

    public DecodeOptions(long maxPixels, boolean exifOrientation) {
        this(maxPixels, exifOrientation, JpegDecoder.AUTO, false);
    }

    public static DecodeOptions defaults() {
        return new DecodeOptions(2 * PILLOW_MAX_IMAGE_PIXELS, false);
    }
}
