package dev.sieve.fetch;

import static dev.sieve.fetch.FetchFailures.failure;
import static dev.sieve.fetch.FetchFailures.httpFailure;
import static dev.sieve.fetch.FetchFailures.internal;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fetches {@code http} and {@code https} references within the bounds of a {@link FetchConfig}: the address guard and
 * its egress proxy, redirects, retries with backoff, the in-flight slots, per-host pacing and the body limits.
 * Asynchronous throughout: a request that does not fit the in-flight bounds waits in a queue instead of failing.
 *
 * <p>Redirects are followed here, not by the HTTP client, so that every hop's host is checked against the
 * address policy before anything is sent to it.
 */
final class HttpSource implements ImageSource {

    /** Error pages are read only this far: enough for a message, never a reason to wait or to buffer. */
    private static final long ERROR_BODY_LIMIT = 16 * 1024;
    /** A Retry-After longer than this is not waited for: the image fails and its worker moves on. */
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(10);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final String USER_AGENT = "sieve/0.1 (+https://github.com/sieve-dev/sieve)";

    private final FetchConfig config;
    private final AddressPolicy policy;
    private final HostResolver resolver;
    private final RequestSlots slots;
    private final HostPacing pacing;
    private final ExecutorService httpExecutor;
    /** DNS look-ups block: they run here, never on the caller's thread. */
    private final ExecutorService blockingExecutor;
    private final ScheduledExecutorService timer;
    private final HttpClient client;
    /** Null when every address is allowed: then the client connects directly. */
    private final EgressProxy proxy;

    HttpSource(FetchConfig config, AddressPolicy policy, HostResolver resolver) {
        this.config = config;
        this.policy = policy;
        this.resolver = resolver;
        this.slots = new RequestSlots(config.maxInFlight(), config.maxInFlightPerHost());
        this.httpExecutor = Executors.newCachedThreadPool(FetchThreads.daemon("sieve-fetch-http-"));
        this.blockingExecutor = Executors.newFixedThreadPool(8, FetchThreads.daemon("sieve-fetch-io-"));
        this.timer = Executors.newSingleThreadScheduledExecutor(FetchThreads.daemon("sieve-fetch-timer-"));
        this.pacing = new HostPacing(config.maxRequestsPerHostPerSecond(), timer);
        this.proxy = policy == AddressPolicy.ALLOW_ALL ? null : startProxy(config, policy, resolver);
        HttpClient.Builder builder = HttpClient.newBuilder();
        if (proxy != null) {
            // Every request goes through the egress proxy, which connects only to the address it checked.
            builder.proxy(ProxySelector.of(proxy.address()));
        }
        this.client = builder
                .executor(httpExecutor)
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_2) // falls back to HTTP/1.1 where the server does not speak h2
                .build();
    }

    @Override
    public List<String> schemes() {
        return List.of("http", "https");
    }

    @Override
    public CompletableFuture<Fetched> fetch(URI uri, BodyGate gate, long start) {
        CompletableFuture<Fetched> result = new CompletableFuture<>();
        try {
            new HttpFetch(requireHost(uri), start, result, gate).hop();
        } catch (StageException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        if (proxy != null) proxy.close();
        blockingExecutor.shutdownNow();
        httpExecutor.shutdownNow();
    }

    /** One HTTP fetch: its hops (redirects) and its retries. */
    private final class HttpFetch {
        private final long start;
        private final CompletableFuture<Fetched> result;
        private URI current;
        private int redirects;
        private int attempts = 1;
        private final BodyGate gate;

        HttpFetch(URI uri, long start, CompletableFuture<Fetched> result, BodyGate gate) {
            this.gate = gate;
            this.current = uri;
            this.start = start;
            this.result = result;
        }

        void hop() {
            URI target = current;
            String host = target.getHost().toLowerCase(Locale.ROOT);
            long attemptStart = System.nanoTime();
            checkAddress(target)
                    .thenCompose(v -> pacing.turn(host))
                    .thenCompose(v -> slots.acquire(host))
                    .thenCompose(slot -> exchange(target, gate).whenComplete((r, e) -> slot.release()))
                    .whenComplete((outcome, error) -> {
                        try {
                            if (error != null) {
                                onError(classify(unwrap(error), target, attemptStart));
                            } else {
                                onResponse(outcome);
                            }
                        } catch (StageException e) {
                            result.completeExceptionally(e);
                        } catch (RuntimeException e) {
                            result.completeExceptionally(internal(target.toString(), e));
                        }
                    });
        }

        private void onResponse(Exchange exchange) throws StageException {
            HttpResponse<byte[]> response = exchange.response();
            int status = response.statusCode();
            Optional<EgressProxy.OwnFailure> proxyFailure = proxy == null ? Optional.empty()
                    : proxy.ownFailure(status, response.headers().firstValue(EgressProxy.FAILURE_HEADER));
            if (proxyFailure.isPresent()) {
                // Not the origin's answer: the proxy's own (its check on the look-up the connection would have used,
                // or a host it could not reach), so no HTTP status is recorded.
                retryOrFail(fromProxy(proxyFailure.get(), current, null), null);
                return;
            }
            if (status >= 200 && status < 300) {
                result.complete(new Fetched(response.body(), current, attempts, System.nanoTime() - start,
                        exchange.optOut()));
            } else if (isRedirect(status)) {
                redirect(response);
            } else if (status == 404 || status == 410) {
                throw httpFailure(FailureCode.NOT_FOUND, "HTTP " + status + " from " + current, attempts, status);
            } else if (status == 429 || status >= 500) {
                OptionalLong retryAfter = retryAfterSeconds(response);
                String message = "HTTP " + status + " from " + current;
                if (retryAfter.isPresent() && retryAfter.getAsLong() > MAX_RETRY_AFTER.toSeconds()) {
                    throw httpFailure(FailureCode.HTTP_STATUS, message + " (Retry-After " + retryAfter.getAsLong()
                            + " s is longer than the " + MAX_RETRY_AFTER.toSeconds() + " s a fetch waits)", attempts, status);
                }
                retryOrFail(new Failure(FailureCode.HTTP_STATUS, message, true, null, status),
                        retryAfter.isPresent() ? Duration.ofSeconds(retryAfter.getAsLong()) : null);
            } else {
                throw httpFailure(FailureCode.HTTP_STATUS, "HTTP " + status + " from " + current, attempts, status);
            }
        }

        private void redirect(HttpResponse<byte[]> response) throws StageException {
            int status = response.statusCode();
            Optional<String> location = response.headers().firstValue("Location");
            if (location.isEmpty()) {
                throw httpFailure(FailureCode.HTTP_STATUS, "HTTP " + status + " without a Location from " + current, attempts, status);
            }
            if (redirects >= config.maxRedirects()) {
                throw failure(FailureCode.TOO_MANY_REDIRECTS, "more than " + config.maxRedirects()
                        + " redirects, last from " + current + " to " + location.get(), attempts, null);
            }
            URI next;
            try {
                next = current.resolve(new URI(location.get()));
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw failure(FailureCode.BAD_REFERENCE, "redirect from " + current + " to an invalid URI: "
                        + location.get(), attempts, e);
            }
            String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                // Never from the web to file: or anything else.
                throw failure(FailureCode.UNSUPPORTED_SCHEME, "redirect from " + current + " to " + next
                        + " (only http and https are followed)", attempts, null);
            }
            redirects++;
            current = requireHost(next);
            hop();
        }

        private void onError(Failure failure) throws StageException {
            retryOrFail(failure, null);
        }

        private void retryOrFail(Failure failure, Duration retryAfter) throws StageException {
            if (!failure.retryable() || attempts >= config.maxAttempts()) {
                String tries = attempts > 1 ? " (after " + attempts + " attempts)" : "";
                throw new StageException(Stage.FETCH, failure.code(), failure.message() + tries, attempts,
                        failure.cause(), failure.httpStatus());
            }
            Duration delay = retryAfter != null ? retryAfter : backoff(attempts);
            attempts++;
            timer.schedule(this::hop, delay.toMillis(), TimeUnit.MILLISECONDS);
        }

        private Failure classify(Throwable error, URI target, long attemptStart) {
            if (error instanceof StageException e) {
                boolean transientCode = e.code() == FailureCode.NETWORK || e.code() == FailureCode.TIMEOUT;
                return new Failure(e.code(), e.getMessage(), transientCode, e.getCause());
            }
            if (error instanceof IOException && proxy != null && "https".equalsIgnoreCase(target.getScheme())) {
                // An https fetch reaches the proxy as CONNECT; HttpClient reports the proxy's own answer as a bare
                // IOException ("Tunnel failed, got: 403"), so why is looked up in the proxy itself.
                int port = target.getPort() == -1 ? 443 : target.getPort();
                Optional<EgressProxy.OwnFailure> failed = proxy.tunnelFailure(target.getHost(), port, attemptStart);
                if (failed.isPresent()) return fromProxy(failed.get(), target, error);
            }
            if (error instanceof OptedOut e) {
                return new Failure(FailureCode.OPTED_OUT, e.getMessage() + " from " + current, false, null);
            }
            if (error instanceof LimitedBody.TooLargeException e) {
                return new Failure(FailureCode.TOO_LARGE, e.getMessage() + " from " + current, false, null);
            }
            if (error instanceof HttpConnectTimeoutException) {
                return new Failure(FailureCode.TIMEOUT, "no connection within " + config.connectTimeout().toMillis()
                        + " ms to " + current, true, error);
            }
            if (error instanceof HttpTimeoutException || error instanceof RequestTimeout) {
                return new Failure(FailureCode.TIMEOUT, "no complete answer within " + config.requestTimeout().toMillis()
                        + " ms from " + current, true, error);
            }
            if (error instanceof ConnectException) {
                return new Failure(FailureCode.NETWORK, "cannot connect to " + current + ": " + error, true, error);
            }
            if (error instanceof IOException) {
                return new Failure(FailureCode.NETWORK, "network error with " + current + ": " + error, true, error);
            }
            if (error instanceof RejectedExecutionException) {
                return new Failure(FailureCode.INTERNAL, "the fetcher is closed", false, error);
            }
            return new Failure(FailureCode.INTERNAL, "unexpected error fetching " + current + ": " + error, false, error);
        }
    }

    /**
     * The proxy's own answer as a fetch failure: its status says which (403 its address check, 400 a host it would not
     * read, 504 no connection in time, 502 an unknown or unreachable host). No HTTP status is kept: none came from
     * the origin.
     */
    private static Failure fromProxy(EgressProxy.OwnFailure failure, URI target, Throwable cause) {
        String message = failure.message() + " (" + target + ")";
        return switch (failure.status()) {
            case 403 -> new Failure(FailureCode.FORBIDDEN_ADDRESS, message, false, cause);
            case 400 -> new Failure(FailureCode.BAD_REFERENCE, message, false, cause);
            case 504 -> new Failure(FailureCode.TIMEOUT, message, true, cause);
            default -> new Failure(FailureCode.NETWORK, message, true, cause);
        };
    }

    /** One attempt's failure; {@code httpStatus} is -1 when no HTTP answer came. */
    private record Failure(FailureCode code, String message, boolean retryable, Throwable cause, int httpStatus) {
        Failure(FailureCode code, String message, boolean retryable, Throwable cause) {
            this(code, message, retryable, cause, -1);
        }
    }

    /** @param optOut the opt-out header that {@code --ignore-opt-out} let through; null when there was none */
    private record Exchange(HttpResponse<byte[]> response, String optOut) {}

    /** The image's answer said it is not for AI: the body is not read. */
    private static final class OptedOut extends IOException {
        OptedOut(String header) {
            super("the site opted out of AI use (" + OptOut.HEADER + ": " + header + ")");
        }
    }

    /** Marks an attempt this fetcher stopped because it ran past {@link FetchConfig#requestTimeout()}. */
    private static final class RequestTimeout extends IOException {
        RequestTimeout() {
            super("request timed out");
        }
    }

    /**
     * One request and its body. The client's own request timeout stops at the response headers; the timer here
     * covers the whole body too, and cancels the exchange when it fires.
     */
    private CompletableFuture<Exchange> exchange(URI uri, BodyGate gate) {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(config.requestTimeout())
                .header("User-Agent", USER_AGENT)
                .header("Accept", "image/*,*/*;q=0.5")
                .GET()
                .build();
        AtomicReference<LimitedBody> body = new AtomicReference<>();
        AtomicReference<String> ignoredOptOut = new AtomicReference<>();
        AtomicReference<CompletableFuture<HttpResponse<byte[]>>> sending = new AtomicReference<>();
        AtomicBoolean timedOut = new AtomicBoolean();
        AtomicReference<ScheduledFuture<?>> deadline = new AtomicReference<>();
        Runnable expire = () -> {
            CompletableFuture<HttpResponse<byte[]>> sent = sending.get();
            if (sent != null && sent.isDone()) return;
            timedOut.set(true);
            LimitedBody b = body.get();
            if (b != null) b.abort(new RequestTimeout());
            if (sent != null) sent.cancel(true);
        };
        HttpResponse.BodyHandler<byte[]> handler = info -> {
            LimitedBody subscriber;
            int status = info.statusCode();
            Optional<String> optOut = status >= 200 && status < 300
                    ? config.optOut().find(info.headers().allValues(OptOut.HEADER)) : Optional.empty();
            if (optOut.isPresent() && !config.optOut().ignored()) {
                // Refused on the headers: not a byte of the body is read or admitted.
                subscriber = LimitedBody.failed(new OptedOut(optOut.get()));
            } else if (status >= 200 && status < 300) {
                optOut.ifPresent(ignoredOptOut::set);
                long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (declared > config.maxBytes()) {
                    subscriber = LimitedBody.refused(declared, config.maxBytes());
                } else {
                    CompletableFuture<Void> admitted = gate.admit(LimitedBody.reservation(declared, config.maxBytes()));
                    if (!admitted.isDone()) {
                        // Waiting for room is not the server's slowness: the clock stops, and restarts in full.
                        ScheduledFuture<?> running = deadline.getAndSet(null);
                        if (running != null) running.cancel(false);
                        admitted.whenComplete((ok, error) -> schedule(deadline, expire));
                    }
                    subscriber = new LimitedBody(config.maxBytes(), false, declared, admitted);
                }
            } else {
                subscriber = new LimitedBody(ERROR_BODY_LIMIT, true, -1);
            }
            body.set(subscriber);
            return subscriber;
        };
        CompletableFuture<Exchange> outcome = new CompletableFuture<>();
        schedule(deadline, expire);
        CompletableFuture<HttpResponse<byte[]>> sent = client.sendAsync(request, handler);
        sending.set(sent);
        if (timedOut.get()) sent.cancel(true); // the clock ran out before sendAsync returned
        sent.whenComplete((response, error) -> {
            ScheduledFuture<?> running = deadline.getAndSet(null);
            if (running != null) running.cancel(false);
            if (error == null) {
                outcome.complete(new Exchange(response, ignoredOptOut.get()));
            } else if (timedOut.get()) {
                outcome.completeExceptionally(new RequestTimeout());
            } else {
                outcome.completeExceptionally(unwrap(error));
            }
        });
        return outcome;
    }

    private void schedule(AtomicReference<ScheduledFuture<?>> deadline, Runnable expire) {
        try {
            ScheduledFuture<?> old = deadline.getAndSet(
                    timer.schedule(expire, config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS));
            if (old != null) old.cancel(false);
        } catch (RejectedExecutionException closedAlready) {
            // The fetcher is closing: every pending fetch is being failed anyway.
        }
    }

    private static EgressProxy startProxy(FetchConfig config, AddressPolicy policy, HostResolver resolver) {
        try {
            return new EgressProxy(policy, resolver, config.connectTimeout(), config.requestTimeout(),
                    config.maxInFlight());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the egress proxy on 127.0.0.1", e);
        }
    }

    /**
     * Resolves the host and refuses it when any of its addresses is forbidden, before anything is sent: this gives
     * the precise failure code and spares a connection. It is not what keeps the connection safe: the
     * {@link EgressProxy} resolves again, checks again, and connects to exactly the address it checked, so a DNS
     * server that answers differently the second time (DNS rebinding) is refused there.
     */
    private CompletableFuture<Void> checkAddress(URI uri) {
        CompletableFuture<Void> checked = new CompletableFuture<>();
        if (policy == AddressPolicy.ALLOW_ALL) {
            checked.complete(null);
            return checked;
        }
        String host = uri.getHost();
        blockingExecutor.execute(() -> {
            try {
                for (InetAddress address : resolver.resolve(unbracket(host))) {
                    Optional<String> refusal = policy.refusal(address);
                    if (refusal.isPresent()) {
                        throw failure(FailureCode.FORBIDDEN_ADDRESS, "host " + host + " of " + uri + " resolves to "
                                + address.getHostAddress() + ", a " + refusal.get() + " address", 1, null);
                    }
                }
                checked.complete(null);
            } catch (UnknownHostException e) {
                checked.completeExceptionally(failure(FailureCode.NETWORK, "unknown host " + host + " in " + uri, 1, e));
            } catch (StageException e) {
                checked.completeExceptionally(e);
            } catch (RuntimeException e) {
                checked.completeExceptionally(e);
            }
        });
        return checked;
    }

    /** Package-private: the reference-parsing fuzz target calls it. */
    static URI requireHost(URI uri) throws StageException {
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw failure(FailureCode.BAD_REFERENCE, "URI without a (valid) host: " + uri, 1, null);
        }
        Optional<String> legacy = LegacyIpv4Literal.refusal(uri.getHost());
        if (legacy.isPresent()) throw failure(FailureCode.BAD_REFERENCE, legacy.get() + ": " + uri, 1, null);
        return uri;
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /** Retry-After in seconds; an HTTP date is ignored (the ordinary backoff applies). */
    private static OptionalLong retryAfterSeconds(HttpResponse<?> response) {
        Optional<String> value = response.headers().firstValue("Retry-After");
        if (value.isEmpty()) return OptionalLong.empty();
        try {
            long seconds = Long.parseLong(value.get().strip());
            return seconds < 0 ? OptionalLong.empty() : OptionalLong.of(seconds);
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** retryBackoff · 2^(retry-1), times a random factor in [0.5, 1.5) so that retries of many fetches spread out. */
    private Duration backoff(int attemptsSoFar) {
        long base = config.retryBackoff().toMillis() << Math.min(attemptsSoFar - 1, 20);
        long jittered = (long) (base * (0.5 + ThreadLocalRandom.current().nextDouble()));
        return Duration.ofMillis(Math.min(jittered, MAX_BACKOFF.toMillis()));
    }

    private static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
