package dev.sieve.export;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Turns a head, label or image id into one safe file name, injectively: {@code %}, {@code /}, {@code \}, control
 * characters and a leading {@code .} (no {@code .}, {@code ..} or hidden files) become {@code %XX}; everything else,
 * spaces and non-ASCII letters included, stays readable.
 *
 * <p>Names are bounded: a file system refuses a name over 255 bytes ("File name too long"), and ids come from
 * producers. A name whose escaped form is over {@link #MAX_BYTES} UTF-8 bytes keeps a readable prefix and ends in
 * {@code %~} and 32 hex digits of the SHA-256 of the whole name. {@code %~} never occurs in an escaped name (a
 * {@code %} there is always followed by two hex digits), so a shortened name cannot collide with a whole one, and two
 * shortened names collide only if their digests do.
 */
public final class PathSegments {
    /** UTF-8 bytes of a name before its extension: room under NAME_MAX (255) for the extension and more. */
    static final int MAX_BYTES = 200;
    /** {@code %~} and 32 hex digits (128 bits of SHA-256). */
    private static final int DIGEST_CHARS = 34;

    private PathSegments() {}

    public static String of(String name) {
        if (name.isEmpty()) return "%";
        StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '%' || c == '/' || c == '\\' || c < 0x20 || c == 0x7F || (i == 0 && c == '.')) {
                out.append('%').append(String.format("%02X", (int) c));
            } else {
                out.append(c);
            }
        }
        return bounded(out.toString(), name);
    }

    /** The file name of an image: its id as {@link #of} writes it, then {@code extension} (at most 9 characters). */
    public static String fileName(String id, String extension) {
        return of(id) + extension;
    }

    /**
     * The inverse of {@link #of}, tolerant: a {@code %} not followed by two hex digits stays as it is (a folder made by
     * hand, or a shortened name's {@code %~}), never an error.
     */
    public static String unescape(String segment) {
        if (segment.equals("%")) return ""; // of("") writes "%"
        StringBuilder out = new StringBuilder(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%' && i + 2 < segment.length() && hex(segment.charAt(i + 1)) && hex(segment.charAt(i + 2))) {
                out.append((char) Integer.parseInt(segment, i + 1, i + 3, 16));
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** The extension of the URI's last path segment ({@code .png}), or "" when it has none that looks like one. */
    static String extension(String path) {
        if (path == null) return "";
        String last = path.substring(path.lastIndexOf('/') + 1);
        int dot = last.lastIndexOf('.');
        if (dot <= 0) return "";
        String ext = last.substring(dot);
        return ext.matches("\\.[A-Za-z0-9]{1,8}") ? ext : "";
    }

    private static String bounded(String escaped, String name) {
        if (utf8Length(escaped, escaped.length()) <= MAX_BYTES) return escaped;
        int end = 0;
        int bytes = 0;
        while (end < escaped.length()) {
            // An escape (%XX) or a surrogate pair is kept or cut whole.
            int unit = escaped.charAt(end) == '%' ? 3 : Character.isHighSurrogate(escaped.charAt(end)) ? 2 : 1;
            unit = Math.min(unit, escaped.length() - end);
            int unitBytes = utf8Length(escaped.substring(end, end + unit), unit);
            if (bytes + unitBytes > MAX_BYTES - DIGEST_CHARS) break;
            bytes += unitBytes;
            end += unit;
        }
        return escaped.substring(0, end) + "%~" + digest(name);
    }

    private static int utf8Length(String s, int chars) {
        return s.substring(0, chars).getBytes(StandardCharsets.UTF_8).length;
    }

    private static String digest(String name) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
    }
}
