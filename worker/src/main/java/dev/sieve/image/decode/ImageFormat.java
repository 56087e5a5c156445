package dev.sieve.image.decode;

/** Image formats recognised from their first bytes (never from a file name or a Content-Type). */
public enum ImageFormat {
    PNG("png"), JPEG("jpeg"), GIF("gif"), WEBP("webp"), BMP("bmp"), TIFF("tiff"), ICO("ico"), CUR("cur"), PNM("pnm"),
    TGA("tga");

    private final String imageIoName;

    ImageFormat(String imageIoName) {
        this.imageIoName = imageIoName;
    }

    /** The ImageIO format name that finds its reader. */
    public String imageIoName() {
        return imageIoName;
    }

    /** The format whose signature the bytes start with, or null when none matches. */
    public static ImageFormat sniff(byte[] b) {
        if (startsWith(b, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) return PNG;
        if (startsWith(b, 0, 0xFF, 0xD8, 0xFF)) return JPEG;
        if (startsWith(b, 0, 'G', 'I', 'F', '8', '7', 'a') || startsWith(b, 0, 'G', 'I', 'F', '8', '9', 'a')) return GIF;
        if (startsWith(b, 0, 'R', 'I', 'F', 'F') && startsWith(b, 8, 'W', 'E', 'B', 'P')) return WEBP;
        if (startsWith(b, 0, 'B', 'M')) return BMP;
        if (startsWith(b, 0, 'I', 'I', 42, 0) || startsWith(b, 0, 'M', 'M', 0, 42)) return TIFF;
        if (BigTiff.is(b)) return TIFF;
        if (startsWith(b, 0, 0, 0, 1, 0)) return ICO;
        if (startsWith(b, 0, 0, 0, 2, 0)) return CUR;
        if (b.length >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6') return PNM;
        // No signature: last, and only when the header passes Pillow's own TGA checks.
        if (TgaDecoder.looksLikeTga(b)) return TGA;
        return null;
    }

    private static boolean startsWith(byte[] b, int at, int... sig) {
        if (b.length < at + sig.length) return false;
        for (int i = 0; i < sig.length; i++) {
            if ((b[at + i] & 0xff) != sig[i]) return false;
        }
        return true;
    }
}
