package dev.sieve.fetch;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One way of getting an image's bytes: {@link ImageFetcher} picks the source by the reference's scheme. A new kind of
 * reference (a tar member, an object store) is a new implementation, registered in {@link ImageFetcher}'s constructor.
 */
interface ImageSource extends AutoCloseable {

    /** The schemes this source reads, in lower case. */
    List<String> schemes();

    /**
     * Starts getting the bytes {@code uri} names; returns at once. The future fails with a {@link dev.sieve.StageException}
     * (stage FETCH, its code) for everything the source recognises; anything else is recorded by the fetcher as INTERNAL.
     *
     * @param gate  admits each body before it is read (the worker's bound on the encoded bytes it holds)
     * @param start {@link System#nanoTime()} when the fetch was asked for, for {@link Fetched#nanos()}
     */
    CompletableFuture<Fetched> fetch(URI uri, BodyGate gate, long start);

    /** Stops the source's threads; fetches still running end with whatever the fetcher already recorded for them. */
    @Override
    void close();
}
