package dev.sieve.produce;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The attributes one input brings (a table row's other columns, a shard's caption and metadata), within bounds that
 * leave every reference well inside the worker's ({@code work/FieldBounds}: 128 KiB of attributes together), with
 * room for {@code --attr}: a value over {@link #VALUE_BYTES} is cut (ending with a marker giving its size); more
 * than {@link #MAX_ATTRIBUTES} attributes or {@link #TOTAL_BYTES} together is a problem, and the input is rejected.
 */
final class AttributeBounds {
    static final int MAX_ATTRIBUTES = 256;
    static final int KEY_BYTES = 256;
    static final int VALUE_BYTES = 16 * 1024;
    static final int TOTAL_BYTES = 64 * 1024;

    private final Map<String, String> attributes = new LinkedHashMap<>();
    private long total;
    private String problem;

    void put(String key, String value) {
        if (problem != null || key == null || value == null) return;
        int keyBytes = utf8(key);
        if (keyBytes > KEY_BYTES) {
            problem = "an attribute name of " + keyBytes + " bytes (over " + KEY_BYTES + ")";
            return;
        }
        String kept = value;
        int valueBytes = utf8(value);
        if (valueBytes > VALUE_BYTES) {
            kept = cut(value, VALUE_BYTES - 64) + "…[cut: " + valueBytes + " bytes]";
        }
        String old = attributes.put(key, kept);
        if (old != null) total -= keyBytes + utf8(old);
        total += keyBytes + utf8(kept);
        if (attributes.size() > MAX_ATTRIBUTES) problem = "more than " + MAX_ATTRIBUTES + " attributes";
        else if (total > TOTAL_BYTES) problem = "attributes of more than " + TOTAL_BYTES + " bytes together";
    }

    /** Why the input's attributes cannot be sent; empty when they can. */
    Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    Map<String, String> attributes() {
        return Map.copyOf(attributes);
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The longest prefix of {@code s} within {@code bytes} UTF-8 bytes, never splitting a surrogate pair. */
    private static String cut(String s, int bytes) {
        int used = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (used + n > bytes) break;
            used += n;
            i += Character.charCount(cp);
        }
        return s.substring(0, i);
    }
}
