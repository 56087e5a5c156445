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
     * CMYK (JPEG and TIFF), with Pillow's sample values (a JPEG's Adobe inverted storage undone); resized like any
     * 4-band image, converted to RGB with Pillow's naive formula, no colour management.
     */
    CMYK(4),
    /**
     * 16-bit unsigned grey ("I;16", and "I;16B" which differs only in storage), one little-endian 2-byte sample per
     * pixel. Pillow 9.4 has no resampler for it (a resize raises "image has wrong mode"); convert("RGB") clips to
     * 255.
     */
    I16(2),
    /**
     * 32-bit signed grey ("I"), one little-endian int per pixel. Resampled in 32 bits (double sums, rounded half away
     * from zero); convert("RGB") clips to 0..255.
     */
    I(4),
    /**
     * 32-bit float grey ("F"), one little-endian IEEE float per pixel. Resampled in float; convert("RGB") goes
     * through "L": clipped to 0..255 and truncated.
     */
    F(4),
    /**
     * Palette index and alpha ("PA": a TIFF palette with an unassociated alpha sample), two bytes a pixel, the
     * palette carried beside them ({@link Pixels#palette()}). Unlike "P" it is stored as indices: Pillow resamples it
     * like any 2-band image (filter as asked, both bands, no premultiplying), so interpolated indices reach
     * convert("RGB"), which looks the index band up and ignores alpha.
     */
    PA(2),
    /**
     * CIE L*a*b* ("LAB": a CIELab TIFF), three bytes a pixel as Pillow holds them. Resized band by band like "RGB";
     * convert("RGB") is a littleCMS transform ({@link LibLcms}), not arithmetic.
     */
    LAB(3);

    private final int channels;

    PillowMode(int channels) {
        this.channels = channels;
    }

    /** Bytes per pixel in {@link Pixels#data()}: the bands for the 8-bit modes, the sample's width for I;16, I, F. */
    public int channels() {
        return channels;
    }

    /** One wide sample per pixel (I;16, I, F) rather than 8-bit bands: Pillow resamples and converts these apart. */
    public boolean wide() {
        return this == I16 || this == I || this == F;
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
