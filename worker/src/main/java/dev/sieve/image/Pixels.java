package dev.sieve.image;

/**
 * A decoded image: interleaved 8-bit samples, row by row, {@code mode.channels()} bytes per pixel (one
 * little-endian 16- or 32-bit sample for the wide modes I;16, I and F).
 *
 * @param width   pixels per row
 * @param height  rows
 * @param mode    the Pillow mode the reference would see (decides how it is resized and converted)
 * @param data    width x height x channels bytes; not copied, callers must not share a mutable array
 * @param palette "PA" only: 256 RGB entries (768 bytes) its index band is looked up in, or null for the grey ramp
 *                Pillow's core gives a new "PA" image. A resample makes such an image and Image._new's copy of the
 *                palette is never put back (it is not dirty), so after the 1536 step the reference's convert("RGB")
 *                replicates the index as grey; a crop copies the palette. Null for every other mode.
 */
public record Pixels(int width, int height, PillowMode mode, byte[] data, byte[] palette) {

    /** An image of a mode without a palette (or "PA" with the grey ramp). */
    public Pixels(int width, int height, PillowMode mode, byte[] data) {
        this(width, height, mode, data, null);
    }

    public Pixels {
        if (palette != null && (mode != PillowMode.PA || palette.length != 768)) {
            throw new IllegalArgumentException("a palette of 768 bytes goes with mode PA only, got "
                    + palette.length + " bytes for " + mode);
        }
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("width and height must be >= 1, got " + width + "x" + height);
        }
        if ((long) width * height * mode.channels() != data.length) {
            throw new IllegalArgumentException("expected " + (long) width * height * mode.channels()
                    + " bytes for " + width + "x" + height + " " + mode + ", got " + data.length);
        }
    }

    /** The rectangle [left, left+w) x [top, top+h), which must lie inside the image (like Pillow's crop inside). */
    public Pixels crop(int left, int top, int w, int h) {
        if (left < 0 || top < 0 || w < 1 || h < 1 || left + w > width || top + h > height) {
            throw new IllegalArgumentException("crop " + w + "x" + h + "+" + left + "+" + top
                    + " outside " + width + "x" + height);
        }
        int c = mode.channels();
        byte[] out = new byte[w * h * c];
        for (int y = 0; y < h; y++) {
            System.arraycopy(data, ((top + y) * width + left) * c, out, y * w * c, w * c);
        }
        return new Pixels(w, h, mode, out, palette);
    }

    /**
     * Pillow's {@code convert("RGB")}: alpha dropped (not composited), grey replicated, palette looked up ("PA"
     * through its own palette); the wide
     * modes clipped to 0..255 as Pillow's converters do (I;16 and F by way of "L", F truncated).
     */
    public Pixels toRgb() {
        int n = width * height;
        byte[] out;
        switch (mode) {
            case RGB, P -> {
                return mode == PillowMode.RGB ? this : new Pixels(width, height, PillowMode.RGB, data);
            }
            case RGBA -> {
                out = new byte[n * 3];
                for (int i = 0, j = 0; i < n; i++, j += 4) {
                    out[i * 3] = data[j];
                    out[i * 3 + 1] = data[j + 1];
                    out[i * 3 + 2] = data[j + 2];
                }
            }
            case L, BILEVEL, LA -> {
                int c = mode.channels();
                out = new byte[n * 3];
                for (int i = 0; i < n; i++) {
                    byte v = data[i * c];
                    out[i * 3] = v;
                    out[i * 3 + 1] = v;
                    out[i * 3 + 2] = v;
                }
            }
            case PA -> {
                // Convert.c pa2rgb: the index band looked up, alpha ignored.
                out = new byte[n * 3];
                for (int i = 0; i < n; i++) {
                    int index = data[i * 2] & 0xff;
                    for (int ch = 0; ch < 3; ch++) {
                        out[i * 3 + ch] = palette == null ? (byte) index : palette[index * 3 + ch];
                    }
                }
            }
            case LAB -> out = LibLcms.load().orElseThrow(() -> new IllegalStateException(
                    "a LAB image without liblcms2: the decoder refuses those")).labToRgb(data, n);
            case CMYK -> {
                out = new byte[n * 3];
                for (int i = 0; i < n; i++) {
                    // Pillow 9.4 cmyk2rgb: nk = 255 - k; channel = clip(nk - MULDIV255(c, nk)).
                    int nk = 255 - (data[i * 4 + 3] & 0xff);
                    for (int ch = 0; ch < 3; ch++) {
                        int t = (data[i * 4 + ch] & 0xff) * nk + 128;
                        out[i * 3 + ch] = (byte) Math.max(0, nk - (((t >> 8) + t) >> 8));
                    }
                }
            }
            case I16, I, F -> {
                out = new byte[n * 3];
                java.nio.ByteBuffer samples = java.nio.ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < n; i++) {
                    byte v = switch (mode) {
                        // Convert.c I16L_L: any high byte means 255.
                        case I16 -> (byte) Math.min(samples.getShort(i * 2) & 0xffff, 255);
                        // i2rgb: <= 0 is 0, >= 255 is 255.
                        case I -> (byte) Math.max(0, Math.min(samples.getInt(i * 4), 255));
                        default -> greyOfFloat(samples.getFloat(i * 4));
                    };
                    out[i * 3] = v;
                    out[i * 3 + 1] = v;
                    out[i * 3 + 2] = v;
                }
            }
            default -> throw new IllegalStateException("unhandled mode " + mode);
        }
        return new Pixels(width, height, PillowMode.RGB, out);
    }

    /** Convert.c f2l: <= 0 is 0, >= 255 is 255, else truncated; NaN passes neither test and x86 makes it 0. */
    private static byte greyOfFloat(float v) {
        if (v <= 0f) return 0;
        if (v >= 255f) return (byte) 255;
        return (byte) (int) v;
    }
}
