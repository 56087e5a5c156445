package dev.sieve.sort;

import dev.sieve.kafka.Topics;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Names of bucket topics: {@code images.bucket.<head>.<label>}, where head and label are escaped so that the
 * mapping is injective and reversible ({@link #parse}).
 *
 * <p>Escaping rule, applied to head and label separately: ASCII letters, digits and {@code -} stay as they are
 * (case is kept: {@code JPEG} and {@code jpeg} are different labels and get different topics); every other
 * character, {@code .} and {@code _} included, becomes {@code _} followed by two upper-case hex digits per byte of
 * its UTF-8 encoding (percent-encoding with {@code _} for {@code %}). So {@code "Chromatic Aberration"} becomes
 * {@code Chromatic_20Aberration} and head {@code CCAnime-ChromaticAberration-v1.16} becomes
 * {@code CCAnime-ChromaticAberration-v1_2E16}. An escaped part never contains {@code .}, so the last {@code .} of
 * the name separates head from label and two different (head, label) pairs never share a topic.
 *
 * <p>Kafka allows {@code [a-zA-Z0-9._-]} and at most 249 characters: a pair whose name would be longer is refused
 * with an {@link IllegalArgumentException}. Kafka also refuses to create a topic whose name equals an existing one
 * once {@code .} and {@code _} are treated alike (their metric names would clash); {@link #collisionKey} gives that
 * form so {@link BucketTopics} can report such a pair clearly instead of letting the broker fail it.
 */
public final class BucketNames {
    public static final String PREFIX = Topics.BUCKET_PREFIX;
    /** Kafka's limit on topic names. */
    public static final int MAX_LENGTH = 249;
    private static final char ESCAPE = '_';
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private BucketNames() {}

    public static String topic(Bucket bucket) {
        return topic(bucket.head(), bucket.label());
    }

    /** @throws IllegalArgumentException when the escaped name is longer than Kafka's 249 characters. */
    public static String topic(String head, String label) {
        String name = PREFIX + escape(head) + "." + escape(label);
        if (name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("bucket topic for head '" + head + "' label '" + label + "' would be "
                    + name.length() + " characters, over Kafka's limit of " + MAX_LENGTH + ": shorten the head or label name");
        }
        return name;
    }

    /** The bucket a topic name stands for, or empty when it is not a bucket topic this class could have made. */
    public static Optional<Bucket> parse(String topic) {
        if (!topic.startsWith(PREFIX)) return Optional.empty();
        String rest = topic.substring(PREFIX.length());
        int dot = rest.lastIndexOf('.');
        if (dot <= 0 || dot == rest.length() - 1 || rest.indexOf('.') != dot) return Optional.empty();
        Optional<String> head = unescape(rest.substring(0, dot));
        Optional<String> label = unescape(rest.substring(dot + 1));
        if (head.isEmpty() || label.isEmpty()) return Optional.empty();
        return Optional.of(new Bucket(head.get(), label.get()));
    }

    /** The form in which Kafka compares topic names for collisions: {@code .} and {@code _} are the same. */
    public static String collisionKey(String topic) {
        return topic.replace('.', '_');
    }

    static String escape(String part) {
        StringBuilder out = new StringBuilder(part.length() + 8);
        for (byte b : part.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            if (isKept(c)) {
                out.append(c);
            } else {
                out.append(ESCAPE).append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
            }
        }
        return out.toString();
    }

    static Optional<String> unescape(String part) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(part.length());
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c == ESCAPE) {
                if (i + 2 >= part.length()) return Optional.empty();
                int hi = hexValue(part.charAt(i + 1));
                int lo = hexValue(part.charAt(i + 2));
                if (hi < 0 || lo < 0) return Optional.empty();
                int b = hi << 4 | lo;
                if (isKept((char) b)) return Optional.empty(); // never written that way: not one of our names
                bytes.write(b);
                i += 2;
            } else if (isKept(c)) {
                bytes.write(c);
            } else {
                return Optional.empty();
            }
        }
        String decoded = bytes.toString(StandardCharsets.UTF_8);
        // A malformed UTF-8 sequence would decode to U+FFFD and not escape back to the same name.
        return escape(decoded).equals(part) ? Optional.of(decoded) : Optional.empty();
    }

    private static boolean isKept(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    }

    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
}
