package dev.sieve.image;

/**
 * The Pillow image modes sieve decodes to, because the reference resizes and crops in the image's own mode before
 * {@code convert("RGB")}, and the mode decides how Pillow resizes.
 */
public enum PillowMode {
    /** 8-bit RGB. */
    RGB(3),
    /** 8-bit RGB with straight alpha; Pillow resizes it premultiplied ("RGBa"). */
    RGBA(4),
    /** 8-bit grey. */
    L(1),
    /** 8-bit grey with straight alpha; Pillow resizes it premultiplied ("La"). */
    LA(2),
    /**
     * Palette. Stored here already looked up through the palette (3 bytes RGB per pixel): Pillow only ever resizes
     * "P" with nearest neighbour, and nearest neighbour commutes with the palette look-up, as does cropping.
     * The transparency entry is ignored, as {@code convert("RGB")} ignores it.
     */
    P(3),
    /** Bilevel ("1"), stored as Pillow stores it: one byte per pixel, 0 or 255. Always resized with nearest. */
    BILEVEL(1),
    /**
     * CMYK (JPEG only), with Pillow's sample values (Adobe's inverted storage undone); resized like any 4-band image,
     * converted to RGB with Pillow's naive formula, no colour management.
     */
    CMYK(4);

    private final int channels;

    PillowMode(int channels) {
        this.channels = channels;
    }

    /** Bytes per pixel in {@link Pixels#data()}. */
    public int channels() {
        return channels;
    }

    /** Pillow's Image.resize forces NEAREST for "1" and "P" whatever filter is asked. */
    public boolean nearestOnly() {
        return this == P || this == BILEVEL;
    }

    /** Pillow resizes "RGBA" and "LA" in premultiplied form ("RGBa", "La") unless the filter is NEAREST. */
    public boolean premultipliedResize() {
        return this == RGBA || this == LA;
    }
}
