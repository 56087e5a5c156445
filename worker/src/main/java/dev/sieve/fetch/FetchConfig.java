package dev.sieve.fetch;

import dev.sieve.config.Setting;
import dev.sieve.config.Setting.Accepts;
import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.Locale;
import java.util.LinkedHashSet;

/**
 * How {@link ImageFetcher} gets bytes: bounds on concurrency, time, size and redirects, the retry policy, and
 * which addresses and files it may touch. Its settings (names, defaults, ranges, docs) are {@link #SETTINGS}.
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

    public static final Setting<Integer> MAX_IN_FLIGHT = Setting.integer("fetch-max-in-flight", 256)
            .accepts(Accepts.atLeast(1)).notAnOption().doc("HTTP requests in flight at once, all hosts together.");
    public static final Setting<Integer> MAX_IN_FLIGHT_PER_HOST = Setting.integer("fetch-max-in-flight-per-host", 16)
            .accepts(Accepts.atLeast(1)).notAnOption().doc("HTTP requests in flight at once to one host.");
    public static final Setting<Long> CONNECT_TIMEOUT_MS = Setting.longValue("connect-timeout-ms", 5_000)
            .accepts(Accepts.atLeast(1L)).notAnOption().doc("Time to open a connection.");
    public static final Setting<Long> REQUEST_TIMEOUT_MS = Setting.longValue("request-timeout-ms", 30_000)
            .accepts(Accepts.atLeast(1L)).paramLabel("MS")
            .doc("Timeout of one HTTP request: one attempt, from sending it to the last byte of the body.");
    public static final Setting<Long> MAX_BYTES = Setting.longValue("max-bytes", 50L * 1024 * 1024)
            .accepts(Accepts.between(1L, MAX_BYTES_LIMIT)).paramLabel("N")
            .doc("Largest image accepted, in bytes; more is TOO_LARGE.");
    public static final Setting<Integer> MAX_REDIRECTS = Setting.integer("max-redirects", 5)
            .accepts(Accepts.atLeast(0)).notAnOption().doc("Redirects followed; one more is TOO_MANY_REDIRECTS.");
    public static final Setting<Integer> FETCH_ATTEMPTS = Setting.integer("fetch-attempts", 3)
            .accepts(Accepts.atLeast(1)).paramLabel("N")
            .doc("Attempts for transient fetch errors (timeouts, 5xx, 429), the first included.");
    public static final Setting<Long> RETRY_BACKOFF_MS = Setting.longValue("retry-backoff-ms", 200)
            .accepts(Accepts.atLeast(0L)).notAnOption().doc("Delay before the first retry; doubled for each further one, plus jitter.");
    public static final Setting<Path> FILE_ROOT = Setting.path("file-root", null).noDefault("none (file: URIs refused)")
            .paramLabel("DIR").doc("Allow file: URIs, but only for files under DIR (symlinks resolved).");
    public static final Setting<Boolean> ALLOW_PRIVATE_ADDRESSES = Setting.flag("allow-private-addresses")
            .doc("Allow fetching from loopback, private and link-local addresses (refused by default: a URI on "
                    + "images.in must not reach the worker's own network).");
    public static final Setting<Double> MAX_REQUESTS_PER_HOST_PER_SECOND = Setting.decimal("max-requests-per-host-per-second", 0)
            .accepts(Accepts.where(r -> r >= 0 && !r.isInfinite(), "0 (no limit) or a positive rate")).paramLabel("R")
            .doc("Politeness: request starts per second to one host (retries and redirects included); 0 = no rate "
                    + "limit, only 16 requests in flight per host.");

    public static final Setting<Boolean> IGNORE_OPT_OUT = Setting.flag("ignore-opt-out")
            .doc("Fetch and score images whose answer opts them out of AI use (X-Robots-Tag: noai, ...) anyway, for "
                    + "data you have the rights to; each such scored record names the header in opt_out. By default "
                    + "they end on images.failed as FETCH/OPTED_OUT, their body unread.");
    public static final Setting<String> OPT_OUT_DIRECTIVES = Setting.text("opt-out-directives",
                    String.join(",", new java.util.TreeSet<>(OptOut.IMG2DATASET_DIRECTIVES)))
            .accepts(Accepts.matching("([A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*)?", "comma-separated directives, or empty for none"))
            .paramLabel("D[,D...]")
            .doc("X-Robots-Tag directives that opt an image out, for every robot or one naming 'sieve' "
                    + "(the default is img2dataset's set; empty: no opt-out is honoured).");

    public static final Settings SETTINGS = Settings.of("fetch", MAX_IN_FLIGHT, MAX_IN_FLIGHT_PER_HOST,
            CONNECT_TIMEOUT_MS, REQUEST_TIMEOUT_MS, MAX_BYTES, MAX_REDIRECTS, FETCH_ATTEMPTS, RETRY_BACKOFF_MS, FILE_ROOT,
            ALLOW_PRIVATE_ADDRESSES, MAX_REQUESTS_PER_HOST_PER_SECOND, IGNORE_OPT_OUT, OPT_OUT_DIRECTIVES);

    public FetchConfig {
        if (optOut == null) throw new IllegalArgumentException("Invalid option for optOut: null");
        MAX_IN_FLIGHT.require(maxInFlight);
        MAX_IN_FLIGHT_PER_HOST.require(maxInFlightPerHost);
        if (maxInFlightPerHost > maxInFlight) {
            throw new IllegalArgumentException("Invalid option for maxInFlightPerHost: " + maxInFlightPerHost
                    + " (must not exceed maxInFlight, " + maxInFlight + ")");
        }
        CONNECT_TIMEOUT_MS.require(connectTimeout.toMillis());
        REQUEST_TIMEOUT_MS.require(requestTimeout.toMillis());
        MAX_BYTES.require(maxBytes);
        MAX_REDIRECTS.require(maxRedirects);
        FETCH_ATTEMPTS.require(maxAttempts);
        RETRY_BACKOFF_MS.require(retryBackoff.toMillis());
        if (fileRoot != null) {
            fileRoot = fileRoot.toAbsolutePath().normalize();
        }
        MAX_REQUESTS_PER_HOST_PER_SECOND.require(maxRequestsPerHostPerSecond);
    }

    /** Every setting at its default: 256 in flight (16 per host), 5 s to connect, 30 s per attempt, 50 MiB, 5 redirects, 3 attempts from 200 ms. */
    public static FetchConfig defaults() {
        return of(SETTINGS.defaults());
    }

    /** The fetch settings of {@code values} (a command's, or {@code SETTINGS.defaults()} with some set). */
    public static FetchConfig of(Values values) {
        return new FetchConfig(values.get(MAX_IN_FLIGHT), values.get(MAX_IN_FLIGHT_PER_HOST),
                Duration.ofMillis(values.get(CONNECT_TIMEOUT_MS)), Duration.ofMillis(values.get(REQUEST_TIMEOUT_MS)),
                values.get(MAX_BYTES), values.get(MAX_REDIRECTS), values.get(FETCH_ATTEMPTS),
                Duration.ofMillis(values.get(RETRY_BACKOFF_MS)), values.get(FILE_ROOT), values.get(ALLOW_PRIVATE_ADDRESSES),
                values.get(MAX_REQUESTS_PER_HOST_PER_SECOND), optOut(values));
    }

    private static OptOut optOut(Values values) {
        Set<String> directives = new LinkedHashSet<>();
        for (String d : values.get(OPT_OUT_DIRECTIVES).split(",")) {
            if (!d.isBlank()) directives.add(d.strip().toLowerCase(Locale.ROOT));
        }
        return OptOut.defaults().withDirectives(directives).withIgnored(values.get(IGNORE_OPT_OUT));
    }
}
