package dev.sieve.work;

import dev.sieve.avro.ImageRef;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The sizes a reference's fields may have, and how a field over its size is cut. Every record a worker writes is
 * built from a reference within these bounds, or from one cut to them, plus a message and raw bytes cut to theirs:
 * so it fits the producer's {@code max.request.size} (1 MiB) by construction, whatever arrived on images.in. Without
 * that one record (a 600 KB {@code data:} URI, which the failure message repeats) made every write of its worker fail
 * and every transaction abort and replay, for ever.
 *
 * <p>A cut field ends with a marker that keeps the original size and the start of its sha256:
 * {@code …[truncated: 614400 bytes, sha256 9f86d081884c7d65]} — so two different long values never look the same.
 */
final class FieldBounds {
    /** Ids are record keys, file names on export and row keys in stores: longer than this is not an id. */
    static final int ID_BYTES = 1024;
    /** Web servers refuse request lines over 8 KiB; no image a worker can fetch has a longer address. */
    static final int URI_BYTES = 16 * 1024;
    static final int SOURCE_BYTES = 1024;
    /** All attribute keys and values together (captions, page URLs, licences). */
    static final int ATTRIBUTES_BYTES = 128 * 1024;
    /** One attribute's key or value in a cut reference. */
    static final int ATTRIBUTE_BYTES = 4096;
    static final int MESSAGE_BYTES = 4096;
    /** The unreadable images.in value kept on images.failed for repair. */
    static final int RAW_VALUE_BYTES = 256 * 1024;

    private FieldBounds() {}

    /** Why the reference is too large to be scored (its scored record could not carry it), or empty when it is not. */
    static Optional<String> oversized(ImageRef ref) {
        int id = utf8Length(ref.getId()), uri = utf8Length(ref.getUri()), source = utf8Length(ref.getSource());
        if (id > ID_BYTES) return Optional.of("the id is " + id + " bytes, over the " + ID_BYTES + "-byte limit");
        if (uri > URI_BYTES) return Optional.of("the uri is " + uri + " bytes, over the " + URI_BYTES + "-byte limit");
        if (source > SOURCE_BYTES) return Optional.of("the source is " + source + " bytes, over the " + SOURCE_BYTES + "-byte limit");
        long attributes = attributesLength(ref.getAttributes());
        if (attributes > ATTRIBUTES_BYTES) {
            return Optional.of("the attributes are " + attributes + " bytes, over the " + ATTRIBUTES_BYTES + "-byte limit");
        }
        return Optional.empty();
    }

    /** The reference with every field cut to its bound: itself when nothing is over. */
    static ImageRef bounded(ImageRef ref) {
        if (oversized(ref).isEmpty()) return ref;
        return ImageRef.newBuilder(ref)
                .setId(text(ref.getId(), ID_BYTES))
                .setUri(text(ref.getUri(), URI_BYTES))
                .setSource(text(ref.getSource(), SOURCE_BYTES))
                .setAttributes(boundedAttributes(ref.getAttributes()))
                .build();
    }

    /** {@code s} if its UTF-8 form fits {@code maxBytes}, else its start and the marker, together within {@code maxBytes}. */
    static String text(String s, int maxBytes) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= maxBytes) return s;
        String marker = "\u2026[truncated: " + utf8.length + " bytes, sha256 " + digest(utf8) + "]";
        int keep = Math.max(0, maxBytes - utf8Length(marker));
        // Never cut a character in two: back up to the first byte of the one at the cut.
        while (keep > 0 && (utf8[keep] & 0xC0) == 0x80) keep--;
        return new String(utf8, 0, keep, StandardCharsets.UTF_8) + marker;
    }

    /** The first {@link #RAW_VALUE_BYTES} of an unreadable value, or all of it. */
    static byte[] rawValue(byte[] raw) {
        return raw.length <= RAW_VALUE_BYTES ? raw : Arrays.copyOf(raw, RAW_VALUE_BYTES);
    }

    /** What a message says about a raw value that {@link #rawValue} cut, or "" when it kept all of it. */
    static String rawValueNote(byte[] raw) {
        return raw.length <= RAW_VALUE_BYTES ? "" : " (raw_value holds the first " + RAW_VALUE_BYTES + " of " + raw.length
                + " bytes, sha256 " + digest(raw) + ")";
    }

    /** The first 16 hex digits of the sha256: enough to tell values apart, short enough for a marker. */
    static String digest(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    static int utf8Length(CharSequence s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n += 1;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }

    private static long attributesLength(Map<String, String> attributes) {
        long n = 0;
        for (var e : attributes.entrySet()) n += utf8Length(e.getKey()) + utf8Length(e.getValue());
        return n;
    }

    /** Entries in key order, each cut to {@link #ATTRIBUTE_BYTES}, while they fit {@link #ATTRIBUTES_BYTES} together. */
    private static Map<String, String> boundedAttributes(Map<String, String> attributes) {
        if (attributesLength(attributes) <= ATTRIBUTES_BYTES) return attributes;
        Map<String, String> kept = new LinkedHashMap<>();
        long total = 0;
        for (var e : new TreeMap<>(attributes).entrySet()) {
            String key = text(e.getKey(), ATTRIBUTE_BYTES), value = text(e.getValue(), ATTRIBUTE_BYTES);
            total += utf8Length(key) + utf8Length(value);
            if (total > ATTRIBUTES_BYTES) break;
            kept.put(key, value);
        }
        return kept;
    }
}
