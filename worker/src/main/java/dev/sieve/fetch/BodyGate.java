package dev.sieve.fetch;

import java.util.concurrent.CompletableFuture;

/**
 * Holds a body back until its reader has room for it. The fetcher calls {@link #admit} once it knows how big a body
 * can hold — when an image's response headers are in (its Content-Length, or twice {@code --max-bytes} when the
 * server sends none: see {@link LimitedBody#reservation}) or a file's size is read — and reads the body only once the future completes. The wait does not count
 * against the request timeout. Called once per attempt that gets that far: a retried fetch calls it again, and the
 * new body replaces the old one.
 */
@FunctionalInterface
public interface BodyGate {

    /** Lets every body through at once. */
    BodyGate OPEN = bytes -> CompletableFuture.completedFuture(null);

    /** Completes when a body of at most {@code bytes} bytes may be read. */
    CompletableFuture<Void> admit(long bytes);
}
