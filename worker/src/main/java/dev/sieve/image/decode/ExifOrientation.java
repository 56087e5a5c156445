package dev.sieve.image.decode;

import dev.sieve.image.Pixels;

/**
 * A JPEG's EXIF orientation tag (0x0112) and the transpose Pillow's {@code ImageOps.exif_transpose} applies for it.
 * Only used when {@link DecodeOptions#exifOrientation()} asks for it: the reference does not apply it.
 */
final class ExifOrientation {

    private ExifOrientation() {
    }

    /** The orientation (1..8) in the first Exif APP1 segment, or 1 when there is none or it cannot be read. */
    static int read(byte[] jpeg) {
        try {
            int p = 2;
            while (p + 4 <= jpeg.length && (jpeg[p] & 0xff) == 0xFF) {
                int marker = jpeg[p + 1] & 0xff;
                if (marker == 0xDA || marker == 0xD9) return 1;
                int len = ((jpeg[p + 2] & 0xff) << 8) | (jpeg[p + 3] & 0xff);
                if (marker == 0xE1 && len >= 8 && new String(jpeg, p + 4, 6, java.nio.charset.StandardCharsets.ISO_8859_1)
                        .equals("Exif\0\0")) {
                    return fromTiff(jpeg, p + 10, p + 2 + len);
                }
                p += 2 + len;
            }
        } catch (RuntimeException e) {
            // A damaged Exif block is ignored, as image viewers do.
        }
        return 1;
    }

    private static int fromTiff(byte[] b, int tiff, int end) {
        boolean little = b[tiff] == 'I';
        int ifd = tiff + u32(b, tiff + 4, little);
        int entries = u16(b, ifd, little);
        for (int i = 0; i < entries; i++) {
            int e = ifd + 2 + 12 * i;
            if (e + 12 > end) break;
            if (u16(b, e, little) == 0x0112) {
                int v = u16(b, e + 8, little);
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    private static int u16(byte[] b, int at, boolean little) {
        int a = b[at] & 0xff;
        int c = b[at + 1] & 0xff;
        return little ? a | c << 8 : a << 8 | c;
    }

    private static int u32(byte[] b, int at, boolean little) {
        return little ? u16(b, at, true) | u16(b, at + 2, true) << 16 : u16(b, at, false) << 16 | u16(b, at + 2, false);
    }

    /** The image as it should be displayed for this orientation (Pillow's transposes; a palette is kept). */
    static Pixels apply(Pixels in, int orientation) {
        if (orientation == 1) return in;
        int w = in.width();
        int h = in.height();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        int c = in.mode().channels();
        byte[] src = in.data();
        byte[] out = new byte[src.length];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }           // FLIP_LEFT_RIGHT
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }   // ROTATE_180
                    case 4 -> { sx = x; sy = h - 1 - y; }           // FLIP_TOP_BOTTOM
                    case 5 -> { sx = y; sy = x; }                   // TRANSPOSE
                    case 6 -> { sx = y; sy = h - 1 - x; }           // ROTATE_270 (90 clockwise)
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }   // TRANSVERSE
                    default -> { sx = w - 1 - y; sy = x; }          // 8: ROTATE_90 (counter-clockwise)
                }
                System.arraycopy(src, (sy * w + sx) * c, out, (y * ow + x) * c, c);
            }
        }
        return new Pixels(ow, oh, in.mode(), out, in.palette());
    }
}
