package dev.sieve.fetch;

import java.net.URI;

/**
 * The bytes of one image.
 *
 * @param bytes    the whole body (or file), at most {@link FetchConfig#maxBytes()}
 * @param finalUri where the bytes came from after redirects (the real path for a file)
 * @param attempts tries it took, first included
 * @param nanos    time from {@link ImageFetcher#fetch} to the last byte, queueing and retries included
 */
public record Fetched(byte[] bytes, URI finalUri, int attempts, long nanos) {}
