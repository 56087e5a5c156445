package dev.sieve.fetch;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How {@link ImageFetcher} gets bytes: bounds on concurrency, time, size and redirects, the retry policy, and
 * which addresses and files it may touch.
 *
 * @param maxInFlight            HTTP requests in flight at once, all hosts together; more wait in a queue
 * @param maxInFlightPerHost     HTTP requests in flight at once to one host (politeness); more wait in a queue
 * @param connectTimeout         time to open a connection
 * @param requestTimeout         time for one attempt, from sending the request to the last byte of the body
 * @param maxBytes               largest body (or file) accepted; more is {@code TOO_LARGE}
 * @param maxRedirects           redirects followed; one more is {@code TOO_MANY_REDIRECTS}
 * @param maxAttempts            tries of one fetch, first included; only transient errors are retried
 * @param retryBackoff           delay before the first retry; doubled for each further retry, plus jitter
 * @param fileRoot               the folder {@code file:} URIs must lie in; {@code null} refuses every file URI
 * @param allowPrivateAddresses  whether hosts may resolve to loopback, private, link-local (cloud metadata)
 *                               and similar addresses; off by default, so a reference cannot probe the
 *                               worker's own network
 * @param maxRequestsPerHostPerSecond politeness: requests started per second to one host, redirects and retries
 *                               included; 0 = no rate limit (only {@code maxInFlightPerHost} bounds a host)
 * @param optOut                 which {@code X-Robots-Tag} answers refuse an image ({@code FETCH/OPTED_OUT}), or
 *                               are only noted when the user has the rights anyway
 */
public record FetchConfig(int maxInFlight, int maxInFlightPerHost, Duration connectTimeout, Duration requestTimeout,
                          long maxBytes, int maxRedirects, int maxAttempts, Duration retryBackoff,
                          Path fileRoot, boolean allowPrivateAddresses, double maxRequestsPerHostPerSecond,
                          OptOut optOut) {

    /** A byte[] cannot hold more (the JDK keeps a few header words back). */
    public static final long MAX_BYTES_LIMIT = Integer.MAX_VALUE - 8;

    public FetchConfig {
        if (optOut == null) throw new IllegalArgumentException("Invalid option for optOut: null");
        requireAtLeast("maxInFlight", maxInFlight, 1);
        requireAtLeast("maxInFlightPerHost", maxInFlightPerHost, 1);
        if (maxInFlightPerHost > maxInFlight) {
            throw new IllegalArgumentException("Invalid option for maxInFlightPerHost: " + maxInFlightPerHost
                    + " (must not exceed maxInFlight, " + maxInFlight + ")");
        }
        requirePositive("connectTimeout", connectTimeout);
        requirePositive("requestTimeout", requestTimeout);
        if (maxBytes < 1 || maxBytes > MAX_BYTES_LIMIT) {
            throw new IllegalArgumentException("Invalid option for maxBytes: " + maxBytes
                    + " (must be between 1 and " + MAX_BYTES_LIMIT + ")");
        }
        requireAtLeast("maxRedirects", maxRedirects, 0);
        requireAtLeast("maxAttempts", maxAttempts, 1);
        if (retryBackoff == null || retryBackoff.isNegative()) {
            throw new IllegalArgumentException("Invalid option for retryBackoff: " + retryBackoff
                    + " (must be zero or positive)");
        }
        if (fileRoot != null) {
            fileRoot = fileRoot.toAbsolutePath().normalize();
        }
        if (!(maxRequestsPerHostPerSecond >= 0) || Double.isInfinite(maxRequestsPerHostPerSecond)) {
            throw new IllegalArgumentException("Invalid option for maxRequestsPerHostPerSecond: "
                    + maxRequestsPerHostPerSecond + " (must be 0 for no limit, or a positive rate)");
        }
    }

    /** 256 in flight (16 per host), 5 s to connect, 30 s per attempt, 50 MiB, 5 redirects, 3 attempts from 200 ms, opt-outs honoured. */
    public static FetchConfig defaults() {
        return new FetchConfig(256, 16, Duration.ofSeconds(5), Duration.ofSeconds(30), 50L * 1024 * 1024,
                5, 3, Duration.ofMillis(200), null, false, 0, OptOut.defaults());
    }

    public FetchConfig withMaxInFlight(int maxInFlight, int maxInFlightPerHost) {
        return new FetchConfig(maxInFlight, maxInFlightPerHost, connectTimeout, requestTimeout, maxBytes,
                maxRedirects, maxAttempts, retryBackoff, fileRoot, allowPrivateAddresses, maxRequestsPerHostPerSecond, optOut);
    }

    public FetchConfig withTimeouts(Duration connectTimeout, Duration requestTimeout) {
        return new FetchConfig(maxInFlight, maxInFlightPerHost, connectTimeout, requestTimeout, maxBytes,
                maxRedirects, maxAttempts, retryBackoff, fileRoot, allowPrivateAddresses, maxRequestsPerHostPerSecond, optOut);
    }

    public FetchConfig withMaxBytes(long maxBytes) {
        return new FetchConfig(maxInFlight, maxInFlightPerHost, connectTimeout, requestTimeout, maxBytes,
                maxRedirects, maxAttempts, retryBackoff, fileRoot, allowPrivateAddresses, maxRequestsPerHostPerSecond, optOut);
    }

    public FetchConfig withMaxRedirects(int maxRedirects) {
        return new FetchConfig(maxInFlight, maxInFlightPerHost, connectTimeout, requestTimeout, maxBytes,
                maxRedirects, maxAttempts, retryBackoff, fileRoot, allowPrivateAddresses, maxRequestsPerHostPerSecond, optOut);
    }

    public FetchConfig withRetries(int maxAttempts, Duration retryBackoff) {
        return new FetchConfig(maxInFlight, maxInFlightPerHost, connectTimeout, requestTimeout, maxBytes,
                maxRedirects, maxAttempts, retryBackoff, fileRoot, allowPrivateAddresses, maxRequestsPerHostPerSecond, optOut);
    }

    public FetchConfig withFileRoot(Path fileRoot) {
        return new FetchConfig(maxInFlight, maxInFlightPerHost, connectTimeout, requestTimeout, maxBytes,
                maxRedirects, maxAttempts, retryBackoff, fileRoot, allowPrivateAddresses, maxRequestsPerHostPerSecond, optOut);
    }

    public FetchConfig withAllowPrivateAddresses(boolean allowPrivateAddresses) {
        return new FetchConfig(maxInFlight, maxInFlightPerHost, connectTimeout, requestTimeout, maxBytes,
                maxRedirects, maxAttempts, retryBackoff, fileRoot, allowPrivateAddresses, maxRequestsPerHostPerSecond, optOut);
    }

    public FetchConfig withMaxRequestsPerHostPerSecond(double maxRequestsPerHostPerSecond) {
        return new FetchConfig(maxInFlight, maxInFlightPerHost, connectTimeout, requestTimeout, maxBytes,
                maxRedirects, maxAttempts, retryBackoff, fileRoot, allowPrivateAddresses, maxRequestsPerHostPerSecond, optOut);
    }

    public FetchConfig withOptOut(OptOut optOut) {
        return new FetchConfig(maxInFlight, maxInFlightPerHost, connectTimeout, requestTimeout, maxBytes,
                maxRedirects, maxAttempts, retryBackoff, fileRoot, allowPrivateAddresses, maxRequestsPerHostPerSecond, optOut);
    }

    private static void requireAtLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException("Invalid option for " + name + ": " + value + " (must be at least " + min + ")");
        }
    }

    private static void requirePositive(String name, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException("Invalid option for " + name + ": " + value + " (must be a positive duration)");
        }
    }
}
