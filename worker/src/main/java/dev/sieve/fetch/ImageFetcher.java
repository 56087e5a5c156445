package dev.sieve.fetch;

import static dev.sieve.fetch.FetchFailures.failure;
import static dev.sieve.fetch.FetchFailures.internal;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;

/**
 * Gets the bytes of an image from an {@code http}, {@code https} or {@code file} URI, within the bounds of a
 * {@link FetchConfig}. Asynchronous throughout: {@link #fetch} returns at once, and a request that does not fit
 * the in-flight bounds waits in a queue instead of failing.
 *
 * <p>Each scheme is read by one {@link ImageSource} ({@link HttpSource}, {@link FileSource}, {@link TarSource}); this class parses the
 * reference, picks the source by its scheme, and records what no source can: an unusable reference, an unknown
 * scheme, a closed fetcher, an unexpected error.
 */
public final class ImageFetcher implements AutoCloseable {

    private final FetchConfig config;
    /** Scheme → the source that reads it, in the order the sources were made (the order an error message lists). */
    private final Map<String, ImageSource> sources = new LinkedHashMap<>();
    /** Fetches not finished yet: {@link #close()} fails them, so no caller waits for ever on a closed fetcher. */
    private final Set<CompletableFuture<Fetched>> pending = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public ImageFetcher(FetchConfig config) {
        this(config, config.allowPrivateAddresses() ? AddressPolicy.ALLOW_ALL : AddressPolicy.publicOnly());
    }

    /** With another address policy: tests use it to forbid one loopback address and allow another. */
    ImageFetcher(FetchConfig config, AddressPolicy policy) {
        this(config, policy, HostResolver.SYSTEM);
    }

    /** With another resolver too: tests map made-up host names to addresses the policy must refuse. */
    ImageFetcher(FetchConfig config, AddressPolicy policy, HostResolver resolver) {
        this.config = config;
        // The file source first: a file root that does not exist fails here, before the http source starts threads.
        FileSource files = new FileSource(config);
        try {
            register(new HttpSource(config, policy, resolver));
        } catch (RuntimeException e) {
            files.close();
            throw e;
        }
        register(files);
        register(new TarSource(config));
    }

    private void register(ImageSource source) {
        for (String scheme : source.schemes()) sources.put(scheme, source);
    }

    public FetchConfig config() {
        return config;
    }

    /**
     * Starts fetching {@code uri}. Never throws: the future completes with the bytes, or fails with a
     * {@link StageException} (stage FETCH, its code, a message naming the URI, the attempts made) — not wrapped
     * in a CompletionException.
     */
    public CompletableFuture<Fetched> fetch(String uri) {
        return fetch(uri, BodyGate.OPEN);
    }

    /**
     * As {@link #fetch(String)}, reading each body only once {@code gate} admits it (the worker's bound on the
     * encoded bytes it holds).
     */
    public CompletableFuture<Fetched> fetch(String uri, BodyGate gate) {
        long start = System.nanoTime();
        CompletableFuture<Fetched> result = new CompletableFuture<>();
        pending.add(result);
        result.whenComplete((r, e) -> pending.remove(result));
        try {
            if (closed) throw failure(FailureCode.INTERNAL, "the fetcher is closed", 1, null);
            URI parsed = parse(uri);
            String scheme = parsed.getScheme().toLowerCase(Locale.ROOT);
            ImageSource source = sources.get(scheme);
            if (source == null) {
                throw failure(FailureCode.UNSUPPORTED_SCHEME,
                        "unsupported scheme '" + scheme + "' in " + uri + " (expected " + expectedSchemes() + ")", 1, null);
            }
            source.fetch(parsed, gate, start).whenComplete((fetched, error) -> {
                if (error == null) {
                    result.complete(fetched);
                } else {
                    result.completeExceptionally(error instanceof StageException e ? e : internal(uri, error));
                }
            });
        } catch (StageException e) {
            result.completeExceptionally(e);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(failure(FailureCode.INTERNAL, "the fetcher is closed", 1, e));
        } catch (RuntimeException e) {
            result.completeExceptionally(internal(uri, e));
        }
        return result;
    }

    @Override
    public void close() {
        closed = true;
        for (CompletableFuture<Fetched> f : pending) {
            f.completeExceptionally(failure(FailureCode.INTERNAL, "the fetcher was closed before the fetch ended", 1, null));
        }
        sources.values().stream().distinct().forEach(ImageSource::close);
    }

    /** Package-private: the reference-parsing fuzz target calls it. */
    static URI parse(String uri) throws StageException {
        if (uri == null || uri.isBlank()) {
            throw failure(FailureCode.BAD_REFERENCE, "empty URI", 1, null);
        }
        URI parsed;
        try {
            parsed = new URI(uri.strip());
        } catch (URISyntaxException | NumberFormatException e) {
            // NumberFormatException: java.net.URI's own parser throws it for an over-long IPv4 tail inside an IPv6
            // literal ([::ffff:0630000000000000000000000000.0.0.1]); found by the fuzz run.
            throw failure(FailureCode.BAD_REFERENCE, "not a valid URI: " + e.getMessage(), 1, e);
        }
        if (parsed.getScheme() == null) {
            throw failure(FailureCode.BAD_REFERENCE, "URI without a scheme: " + uri + " (expected http, https, file or tar)", 1, null);
        }
        return parsed;
    }

    /** "http, https or file": the schemes the sources read, for an error message. */
    private String expectedSchemes() {
        List<String> schemes = new ArrayList<>(sources.keySet());
        String last = schemes.remove(schemes.size() - 1);
        return schemes.isEmpty() ? last : String.join(", ", schemes) + " or " + last;
    }
}
