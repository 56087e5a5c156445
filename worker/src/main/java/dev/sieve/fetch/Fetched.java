package dev.sieve.fetch;

import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The bytes of one image.
 *
 * @param bytes    the whole body (or file), at most {@link FetchConfig#maxBytes()}
 * @param finalUri where the bytes came from after redirects (the real path for a file)
 * @param attempts tries it took, first included
 * @param nanos    time from {@link ImageFetcher#fetch} to the last byte, queueing and retries included
 * @param optOut   the {@code X-Robots-Tag} value that opted the image out of AI use, when {@code --ignore-opt-out}
 *                 fetched it anyway; null otherwise
 */
public record Fetched(byte[] bytes, URI finalUri, int attempts, long nanos, String optOut) {

    public Fetched(byte[] bytes, URI finalUri, int attempts, long nanos) {
        this(bytes, finalUri, attempts, nanos, null);
    }

    /** sha256 of the bytes, 64 lower-case hex digits: what identifies the same file under any URI. */
    public String sha256() {
        return sha256(bytes);
    }

    /** sha256 of {@code bytes}, 64 lower-case hex digits. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
