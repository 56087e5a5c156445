package dev.sieve.export;

/**
 * Turns a head, label or image id into one safe file name, injectively: {@code %}, {@code /}, {@code \}, control
 * characters and a leading {@code .} (no {@code .}, {@code ..} or hidden files) become {@code %XX}; everything else,
 * spaces and non-ASCII letters included, stays readable.
 */
public final class PathSegments {
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
}
