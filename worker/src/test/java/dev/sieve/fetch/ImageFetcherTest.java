package dev.sieve.fetch;

import static dev.sieve.fetch.LocalHttpServer.redirect;
import static dev.sieve.fetch.LocalHttpServer.respond;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import dev.sieve.config.Values;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ImageFetcherTest {

    /** Loopback allowed (the server lives there), short timeouts and backoff so failures come quickly. */
    private static final Values LOCAL_VALUES = FetchConfig.SETTINGS.defaults().set(FetchConfig.ALLOW_PRIVATE_ADDRESSES, true)
            .set(FetchConfig.CONNECT_TIMEOUT_MS, 2_000L)
            .set(FetchConfig.REQUEST_TIMEOUT_MS, 5_000L)
            .set(FetchConfig.FETCH_ATTEMPTS, 3)
            .set(FetchConfig.RETRY_BACKOFF_MS, 10L);
    private static final FetchConfig LOCAL = FetchConfig.of(LOCAL_VALUES);

    private final CountDownLatch releaseServer = new CountDownLatch(1);
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private LocalHttpServer server;

    @BeforeEach
    void startServer() {
        server = track(new LocalHttpServer("127.0.0.1"));
    }

    @AfterEach
    void stopAll() throws Exception {
        releaseServer.countDown();
        for (AutoCloseable c : toClose) c.close();
    }

    @Test
    void fetchesBodyOfOkResponse() throws Exception {
        byte[] image = randomBytes(12_345);
        server.on("/cat.jpg", ex -> respond(ex, 200, image, true));
        ImageFetcher fetcher = fetcher(LOCAL);

        Fetched fetched = fetcher.fetch(server.url("/cat.jpg")).get(10, TimeUnit.SECONDS);

        assertThat(fetched.bytes()).isEqualTo(image);
        assertThat(fetched.attempts()).isEqualTo(1);
        assertThat(fetched.finalUri()).isEqualTo(URI.create(server.url("/cat.jpg")));
        assertThat(fetched.nanos()).isPositive();
    }

    @Test
    void pacesRequestsToOneHostAtTheConfiguredRate() throws Exception {
        // 20 requests per second: the k-th of six cannot reach the server before k/20 s after they were issued.
        List<Long> arrivals = java.util.Collections.synchronizedList(new ArrayList<>());
        server.on("/paced", ex -> {
            arrivals.add(System.nanoTime());
            respond(ex, 200, "ok".getBytes(), true);
        });
        ImageFetcher fetcher = fetcher(FetchConfig.of(LOCAL_VALUES.set(FetchConfig.MAX_REQUESTS_PER_HOST_PER_SECOND, 20.0)));
        long issued = System.nanoTime();
        List<java.util.concurrent.CompletableFuture<Fetched>> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) all.add(fetcher.fetch(server.url("/paced")));
        for (var f : all) f.get(20, TimeUnit.SECONDS);

        List<Long> sorted = arrivals.stream().sorted().toList();
        assertThat(sorted).hasSize(6);
        for (int k = 1; k < 6; k++) {
            assertThat(sorted.get(k) - issued).as("arrival %d", k).isGreaterThanOrEqualTo(k * 50_000_000L - 5_000_000L);
        }
    }

    @Test
    void reportsNotFoundWithoutRetrying() {
        server.on("/gone", ex -> respond(ex, 404, "no".getBytes(), true));

        StageException e = failure(fetcher(LOCAL).fetch(server.url("/gone")));

        assertThat(e.stage()).isEqualTo(Stage.FETCH);
        assertThat(e.code()).isEqualTo(FailureCode.NOT_FOUND);
        assertThat(e.attempts()).isEqualTo(1);
        assertThat(server.hits("/gone")).isEqualTo(1);
    }

    @Test
    void reportsOtherStatusWithoutRetrying() {
        server.on("/private", ex -> respond(ex, 403, new byte[0], true));

        StageException e = failure(fetcher(LOCAL).fetch(server.url("/private")));

        assertThat(e.code()).isEqualTo(FailureCode.HTTP_STATUS);
        assertThat(e.getMessage()).contains("403");
        assertThat(server.hits("/private")).isEqualTo(1);
    }

    @Test
    void retriesServerErrorThenSucceeds() throws Exception {
        byte[] image = randomBytes(100);
        AtomicInteger calls = new AtomicInteger();
        server.on("/flaky", ex -> {
            if (calls.incrementAndGet() == 1) respond(ex, 500, "oops".getBytes(), true);
            else respond(ex, 200, image, true);
        });

        Fetched fetched = fetcher(LOCAL).fetch(server.url("/flaky")).get(10, TimeUnit.SECONDS);

        assertThat(fetched.bytes()).isEqualTo(image);
        assertThat(fetched.attempts()).isEqualTo(2);
    }

    @Test
    void givesUpOnPersistentUnavailableAfterMaxAttempts() {
        server.on("/busy", ex -> respond(ex, 503, "busy".getBytes(), false));
        long start = System.nanoTime();

        StageException e = failure(fetcher(FetchConfig.of(LOCAL_VALUES.set(FetchConfig.FETCH_ATTEMPTS, 3)
                .set(FetchConfig.RETRY_BACKOFF_MS, 20L))).fetch(server.url("/busy")));

        assertThat(e.code()).isEqualTo(FailureCode.HTTP_STATUS);
        assertThat(e.getMessage()).contains("503");
        assertThat(e.attempts()).isEqualTo(3);
        assertThat(server.hits("/busy")).isEqualTo(3);
        // Backoff 20 ms, then 40 ms, each times at most 1.5.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void honoursShortRetryAfter() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        server.on("/limited", ex -> {
            if (calls.incrementAndGet() == 1) {
                ex.getResponseHeaders().add("Retry-After", "0");
                respond(ex, 429, new byte[0], true);
            } else {
                respond(ex, 200, "ok".getBytes(), true);
            }
        });

        Fetched fetched = fetcher(LOCAL).fetch(server.url("/limited")).get(10, TimeUnit.SECONDS);

        assertThat(fetched.attempts()).isEqualTo(2);
    }

    @Test
    void givesUpAtOnceOnLongRetryAfter() {
        server.on("/later", ex -> {
            ex.getResponseHeaders().add("Retry-After", "3600");
            respond(ex, 503, new byte[0], true);
        });

        StageException e = failure(fetcher(LOCAL).fetch(server.url("/later")));

        assertThat(e.code()).isEqualTo(FailureCode.HTTP_STATUS);
        assertThat(e.getMessage()).contains("Retry-After 3600");
        assertThat(server.hits("/later")).isEqualTo(1);
    }

    @Test
    void followsRedirectChain() throws Exception {
        byte[] image = randomBytes(500);
        server.on("/r1", ex -> redirect(ex, "/r2"))
                .on("/r2", ex -> redirect(ex, server.url("/r3")))
                .on("/r3", ex -> redirect(ex, "img"))
                .on("/img", ex -> respond(ex, 200, image, true));

        Fetched fetched = fetcher(FetchConfig.of(LOCAL_VALUES.set(FetchConfig.MAX_REDIRECTS, 3))).fetch(server.url("/r1")).get(10, TimeUnit.SECONDS);

        assertThat(fetched.bytes()).isEqualTo(image);
        assertThat(fetched.finalUri()).isEqualTo(URI.create(server.url("/img")));
        assertThat(fetched.attempts()).isEqualTo(1);
    }

    @Test
    void refusesRedirectChainLongerThanTheLimit() {
        server.on("/r1", ex -> redirect(ex, "/r2"))
                .on("/r2", ex -> redirect(ex, "/r3"))
                .on("/r3", ex -> redirect(ex, "/img"))
                .on("/img", ex -> respond(ex, 200, "x".getBytes(), true));

        StageException e = failure(fetcher(FetchConfig.of(LOCAL_VALUES.set(FetchConfig.MAX_REDIRECTS, 2))).fetch(server.url("/r1")));

        assertThat(e.code()).isEqualTo(FailureCode.TOO_MANY_REDIRECTS);
        assertThat(server.hits("/r3")).isEqualTo(1);
        assertThat(server.hits("/img")).isZero();
    }

    @Test
    void checksTheAddressOfEveryRedirectHop() {
        LocalHttpServer forbidden = track(new LocalHttpServer("127.0.0.2"));
        forbidden.on("/secret", ex -> respond(ex, 200, "metadata".getBytes(), true));
        server.on("/hop", ex -> redirect(ex, forbidden.url("/secret")));
        AddressPolicy onlyFirstLoopback = address -> address.getHostAddress().equals("127.0.0.2")
                ? Optional.of("test-forbidden") : Optional.empty();
        ImageFetcher fetcher = track(new ImageFetcher(LOCAL, onlyFirstLoopback));

        StageException e = failure(fetcher.fetch(server.url("/hop")));

        assertThat(e.code()).isEqualTo(FailureCode.FORBIDDEN_ADDRESS);
        assertThat(e.getMessage()).contains("127.0.0.2");
        assertThat(server.hits("/hop")).isEqualTo(1);
        assertThat(forbidden.totalHits()).isZero();
    }

    @Test
    void refusesRedirectToFileUri() {
        server.on("/sneaky", ex -> redirect(ex, "file:///etc/passwd"));

        StageException e = failure(fetcher(LOCAL).fetch(server.url("/sneaky")));

        assertThat(e.code()).isEqualTo(FailureCode.UNSUPPORTED_SCHEME);
    }

    @Test
    void defaultPolicyRefusesLoopbackWithoutSendingARequest() {
        server.on("/img", ex -> respond(ex, 200, "x".getBytes(), true));
        ImageFetcher strict = fetcher(FetchConfig.defaults());

        StageException e = failure(strict.fetch(server.url("/img")));

        assertThat(e.code()).isEqualTo(FailureCode.FORBIDDEN_ADDRESS);
        assertThat(e.getMessage()).contains("loopback");
        assertThat(server.totalHits()).isZero();
    }

    @Test
    void refusesBodyOverLimitDeclaredInContentLength() {
        server.on("/big", ex -> respond(ex, 200, randomBytes(2_000), true));

        StageException e = failure(fetcher(FetchConfig.of(LOCAL_VALUES.set(FetchConfig.MAX_BYTES, 1_000L))).fetch(server.url("/big")));

        assertThat(e.code()).isEqualTo(FailureCode.TOO_LARGE);
        assertThat(e.getMessage()).contains("Content-Length 2000");
        assertThat(e.attempts()).isEqualTo(1);
    }

    @Test
    void stopsReadingChunkedBodyOverLimit() {
        server.on("/stream", ex -> respond(ex, 200, randomBytes(200_000), false));

        StageException e = failure(fetcher(FetchConfig.of(LOCAL_VALUES.set(FetchConfig.MAX_BYTES, 100_000L))).fetch(server.url("/stream")));

        assertThat(e.code()).isEqualTo(FailureCode.TOO_LARGE);
        assertThat(e.getMessage()).contains("over the limit of 100000");
    }

    @Test
    void acceptsBodyOfExactlyTheLimit() throws Exception {
        byte[] image = randomBytes(1_000);
        server.on("/exact", ex -> respond(ex, 200, image, false));

        Fetched fetched = fetcher(FetchConfig.of(LOCAL_VALUES.set(FetchConfig.MAX_BYTES, 1_000L))).fetch(server.url("/exact")).get(10, TimeUnit.SECONDS);

        assertThat(fetched.bytes()).isEqualTo(image);
    }

    @Test
    void readsABodyOnlyOnceTheGateAdmitsItAndTheWaitIsNotATimeout() throws Exception {
        // The gate learns the declared size from the headers, holds the body back for longer than the request
        // timeout (300 ms), and the fetch still succeeds once admitted: waiting for room is not the server's fault.
        byte[] image = randomBytes(40_000);
        server.on("/held.png", ex -> respond(ex, 200, image, true));
        server.on("/chunked.png", ex -> respond(ex, 200, image, false));
        FetchConfig quick = FetchConfig.of(LOCAL_VALUES.set(FetchConfig.CONNECT_TIMEOUT_MS, 2_000L)
                .set(FetchConfig.REQUEST_TIMEOUT_MS, 300L)
                .set(FetchConfig.FETCH_ATTEMPTS, 1)
                .set(FetchConfig.RETRY_BACKOFF_MS, 10L));
        ImageFetcher fetcher = fetcher(quick);
        List<Long> asked = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CompletableFuture<Void> open = new java.util.concurrent.CompletableFuture<>();
        BodyGate gate = bytes -> {
            asked.add(bytes);
            return open;
        };

        var held = fetcher.fetch(server.url("/held.png"), gate);
        var chunked = fetcher.fetch(server.url("/chunked.png"), gate);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> asked.size() == 2);
        // Three request timeouts long, measured by the fetcher's own clock: nothing may have failed meanwhile.
        org.awaitility.Awaitility.await().pollDelay(Duration.ofMillis(900)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(held).isNotDone();
        assertThat(chunked).isNotDone();
        open.complete(null);

        assertThat(held.get(10, TimeUnit.SECONDS).bytes()).isEqualTo(image);
        assertThat(chunked.get(10, TimeUnit.SECONDS).bytes()).isEqualTo(image);
        assertThat(asked).as("the declared length, and twice the byte limit for a body without one (its pieces and"
                        + " the array they are joined into)")
                .containsExactlyInAnyOrder((long) image.length, 2 * quick.maxBytes());
    }

    @Test
    void timesOutWhenServerSendsNoAnswer() {
        CountDownLatch arrived = new CountDownLatch(1);
        server.on("/slow", ex -> {
            arrived.countDown();
            awaitQuietly(releaseServer);
        });
        FetchConfig quick = FetchConfig.of(LOCAL_VALUES.set(FetchConfig.CONNECT_TIMEOUT_MS, 2_000L)
                .set(FetchConfig.REQUEST_TIMEOUT_MS, 300L)
                .set(FetchConfig.FETCH_ATTEMPTS, 2)
                .set(FetchConfig.RETRY_BACKOFF_MS, 10L));

        StageException e = failure(fetcher(quick).fetch(server.url("/slow")));

        assertThat(arrived.getCount()).isZero();
        assertThat(e.code()).isEqualTo(FailureCode.TIMEOUT);
        assertThat(e.attempts()).isEqualTo(2);
        assertThat(server.hits("/slow")).isEqualTo(2);
    }

    @Test
    void timesOutWhenBodyStalls() {
        server.on("/trickle", ex -> {
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write(new byte[100]);
            out.flush();
            awaitQuietly(releaseServer);
        });
        FetchConfig quick = FetchConfig.of(LOCAL_VALUES.set(FetchConfig.CONNECT_TIMEOUT_MS, 2_000L)
                .set(FetchConfig.REQUEST_TIMEOUT_MS, 300L)
                .set(FetchConfig.FETCH_ATTEMPTS, 1)
                .set(FetchConfig.RETRY_BACKOFF_MS, 10L));

        StageException e = failure(fetcher(quick).fetch(server.url("/trickle")));

        assertThat(e.code()).isEqualTo(FailureCode.TIMEOUT);
        assertThat(e.attempts()).isEqualTo(1);
    }

    @Test
    void reportsRefusedConnectionAsNetworkError() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }

        StageException e = failure(fetcher(FetchConfig.of(LOCAL_VALUES.set(FetchConfig.FETCH_ATTEMPTS, 2)
                .set(FetchConfig.RETRY_BACKOFF_MS, 10L)))
                .fetch("http://127.0.0.1:" + closedPort + "/img"));

        assertThat(e.code()).isEqualTo(FailureCode.NETWORK);
        assertThat(e.attempts()).isEqualTo(2);
    }

    @Test
    void keepsRequestsInFlightWithinGlobalAndPerHostBounds() throws Exception {
        LocalHttpServer other = track(new LocalHttpServer("127.0.0.2"));
        AtomicInteger now = new AtomicInteger();
        AtomicInteger nowA = new AtomicInteger();
        AtomicInteger nowB = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        AtomicInteger peakA = new AtomicInteger();
        AtomicInteger peakB = new AtomicInteger();
        CountDownLatch hold = new CountDownLatch(1);
        server.on("/held", ex -> held(ex, hold, now, peak, nowA, peakA));
        other.on("/held", ex -> held(ex, hold, now, peak, nowB, peakB));
        ImageFetcher fetcher = fetcher(FetchConfig.of(LOCAL_VALUES.set(FetchConfig.MAX_IN_FLIGHT, 3)
                .set(FetchConfig.MAX_IN_FLIGHT_PER_HOST, 2)));

        List<CompletableFuture<Fetched>> futures = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            futures.add(fetcher.fetch(server.url("/held")));
            futures.add(fetcher.fetch(other.url("/held")));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> now.get() == 3);
        // Queued, not failed: nothing completes, and no fourth request reaches a server while three are held.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> now.get() == 3 && futures.stream().noneMatch(CompletableFuture::isDone));
        hold.countDown();
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

        assertThat(server.hits("/held") + other.hits("/held")).isEqualTo(10);
        assertThat(peak.get()).isEqualTo(3);
        assertThat(peakA.get()).isLessThanOrEqualTo(2);
        assertThat(peakB.get()).isLessThanOrEqualTo(2);
    }

    @Test
    void refusesUnsupportedScheme() {
        StageException e = failure(fetcher(LOCAL).fetch("ftp://127.0.0.1/cat.jpg"));

        assertThat(e.code()).isEqualTo(FailureCode.UNSUPPORTED_SCHEME);
        assertThat(e.getMessage()).contains("ftp");
        // The schemes are the registered sources' own, listed in the order the fetcher made them.
        assertThat(e.getMessage()).contains("(expected http, https, file or tar)");
    }

    @Test
    void refusesMalformedUri() {
        assertThat(failure(fetcher(LOCAL).fetch("http://exa mple.com/a b.jpg")).code()).isEqualTo(FailureCode.BAD_REFERENCE);
        assertThat(failure(fetcher(LOCAL).fetch("cat.jpg")).code()).isEqualTo(FailureCode.BAD_REFERENCE);
        assertThat(failure(fetcher(LOCAL).fetch(null)).code()).isEqualTo(FailureCode.BAD_REFERENCE);
    }

    @Test
    void failsPendingFetchesWhenClosed() {
        server.on("/slow", ex -> awaitQuietly(releaseServer));
        ImageFetcher fetcher = fetcher(LOCAL);
        CompletableFuture<Fetched> pending = fetcher.fetch(server.url("/slow"));

        fetcher.close();

        assertThat(failure(pending).code()).isEqualTo(FailureCode.INTERNAL);
        assertThat(failure(fetcher.fetch(server.url("/slow"))).getMessage()).contains("closed");
    }

    private static void held(com.sun.net.httpserver.HttpExchange ex, CountDownLatch hold, AtomicInteger now,
                             AtomicInteger peak, AtomicInteger nowHost, AtomicInteger peakHost) throws IOException {
        peak.accumulateAndGet(now.incrementAndGet(), Math::max);
        peakHost.accumulateAndGet(nowHost.incrementAndGet(), Math::max);
        awaitQuietly(hold);
        // Leave the counters before answering: the client may send the next request as soon as it has the answer.
        nowHost.decrementAndGet();
        now.decrementAndGet();
        respond(ex, 200, "ok".getBytes(), true);
    }

    static StageException failure(CompletableFuture<?> future) {
        Throwable thrown = catchThrowable(() -> future.get(20, TimeUnit.SECONDS));
        assertThat(thrown).isInstanceOf(ExecutionException.class).cause().isInstanceOf(StageException.class);
        return (StageException) thrown.getCause();
    }

    private ImageFetcher fetcher(FetchConfig config) {
        return track(new ImageFetcher(config));
    }

    private <T extends AutoCloseable> T track(T closeable) {
        toClose.add(0, closeable);
        return closeable;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }
}
