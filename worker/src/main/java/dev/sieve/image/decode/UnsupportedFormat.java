package dev.sieve.image.decode;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Image formats sieve recognises but does not decode, named so that a failed record says what the image was instead
 * of "not an image". Most are formats Pillow 9.4 does not open by default (AVIF, HEIF/HEIC, JPEG XL, SVG, JPEG XR,
 * PDF), so the reference scores none of them either; JPEG 2000 and Photoshop's PSD Pillow does open, which the
 * message says.
 */
final class UnsupportedFormat {
    private static final Set<String> AVIF_BRANDS = Set.of("avif", "avis");
    private static final Set<String> HEIF_BRANDS = Set.of("heic", "heix", "hevc", "hevx", "heim", "heis", "hevm",
            "hevs", "mif1", "msf1", "mif2");
    /** Enough of a gzip stream to see an SVG's root element; inflating stops there (a gzip bomb costs nothing). */
    private static final int SVGZ_PEEK = 4096;

    private UnsupportedFormat() {
    }

    /** What the failure message says, or null when the bytes are none of these formats. */
    static String describe(byte[] b) {
        String name = name(b);
        if (name == null) return null;
        boolean pillowOpens = name.equals("JPEG 2000") || name.equals("PSD");
        return name + " is not decoded by sieve" + (pillowOpens
                ? " (Pillow 9.4 opens it, so the reference would score this image: a known difference)"
                : " (Pillow 9.4 does not open it by default, so the reference scores no such image either)");
    }

    /** The format's name, or null. */
    static String name(byte[] b) {
        if (ascii(b, 4, 4).equals("ftyp")) {
            // ISO base media file: the major brand, then the compatible brands, say which image format it holds.
            String major = ascii(b, 8, 4);
            long boxSize = Math.min(b.length, ((b[0] & 0xffL) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8)
                    | (b[3] & 0xff));
            boolean avif = AVIF_BRANDS.contains(major);
            for (int at = 16; !avif && at + 4 <= boxSize; at += 4) avif = AVIF_BRANDS.contains(ascii(b, at, 4));
            if (avif) return "AVIF";
            if (HEIF_BRANDS.contains(major)) return "HEIF/HEIC";
            if (major.equals("jxl ")) return "JPEG XL";
            if (major.equals("jp2 ") || major.equals("jpx ")) return "JPEG 2000";
        }
        if (startsWith(b, 0xFF, 0x0A)) return "JPEG XL";
        if (startsWith(b, 0, 0, 0, 0x0C, 'J', 'X', 'L', ' ', 0x0D, 0x0A, 0x87, 0x0A)) return "JPEG XL";
        if (startsWith(b, 0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A)) return "JPEG 2000";
        if (startsWith(b, 0xFF, 0x4F, 0xFF, 0x51)) return "JPEG 2000";
        if (startsWith(b, 'I', 'I', 0xBC)) return "JPEG XR";
        if (startsWith(b, '8', 'B', 'P', 'S')) return "PSD";
        if (startsWith(b, '%', 'P', 'D', 'F', '-')) return "PDF";
        if (isSvg(b, b.length)) return "SVG";
        if (startsWith(b, 0x1F, 0x8B)) {
            byte[] head = gunzipHead(b);
            if (head != null && isSvg(head, head.length)) return "SVG (gzip-compressed, SVGZ)";
        }
        return null;
    }

    /** XML text (after a byte-order mark and white space) whose root element, within the first 1 KB, is svg. */
    private static boolean isSvg(byte[] b, int length) {
        String head = new String(b, 0, Math.min(length, 1024), StandardCharsets.ISO_8859_1);
        if (head.startsWith("\u00EF\u00BB\u00BF")) head = head.substring(3);
        head = head.stripLeading();
        if (!head.startsWith("<")) return false;
        return head.startsWith("<svg") || (head.startsWith("<?xml") || head.startsWith("<!"))
                && (head.contains("<svg") || head.contains("<!DOCTYPE svg"));
    }

    private static byte[] gunzipHead(byte[] b) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(b))) {
            return in.readNBytes(SVGZ_PEEK);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String ascii(byte[] b, int at, int n) {
        return b.length < at + n ? "" : new String(b, at, n, StandardCharsets.ISO_8859_1);
    }

    private static boolean startsWith(byte[] b, int... sig) {
        if (b.length < sig.length) return false;
        for (int i = 0; i < sig.length; i++) {
            if ((b[i] & 0xff) != sig[i]) return false;
        }
        return true;
    }
}
