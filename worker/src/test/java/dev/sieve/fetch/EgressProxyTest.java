package dev.sieve.fetch;

import static dev.sieve.fetch.LocalHttpServer.respond;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * DNS rebinding: the egress proxy resolves a host once and connects to the address it checked. Every address in
 * here is loopback (127.0.0.1 and 127.0.0.2, both local on Linux); the "forbidden" one is forbidden by the test's
 * policy, and a server listens there only to count that nothing reached it. Names end in {@code .test} and exist
 * only in the test resolver, so even a broken proxy could not reach anything else.
 */
class EgressProxyTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final AddressPolicy SECOND_LOOPBACK_FORBIDDEN = a -> a.getHostAddress().equals("127.0.0.2")
            ? Optional.of("test-forbidden") : Optional.empty();
    private static final AddressPolicy LOOPBACK_ONLY = a -> a.isLoopbackAddress()
            ? Optional.empty() : Optional.of("not loopback");

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) r.close();
    }

    /** Answers 127.0.0.1 the first time it is asked, 127.0.0.2 every time after: a rebinding DNS server. */
    static final class RebindingResolver implements HostResolver {
        final AtomicInteger lookups = new AtomicInteger();

        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            if (!host.endsWith(".test")) throw new UnknownHostException(host + " (not in the test resolver)");
            String address = lookups.getAndIncrement() == 0 ? "127.0.0.1" : "127.0.0.2";
            return new InetAddress[] {InetAddress.getByName(address)}; // a literal: no look-up
        }
    }

    @Test
    void connectsToTheAddressItCheckedNotToALaterAnswerForTheSameName() throws Exception {
        LocalHttpServer first = track(new LocalHttpServer("127.0.0.1"));
        first.on("/img", ex -> respond(ex, 200, "first".getBytes(), true));
        int port = URI.create(first.url("/")).getPort();
        HttpServer second = HttpServer.create(new InetSocketAddress("127.0.0.2", port), 8);
        AtomicInteger secondHits = new AtomicInteger();
        second.createContext("/", ex -> {
            secondHits.incrementAndGet();
            respond(ex, 200, "second".getBytes(), true);
            ex.close();
        });
        second.start();
        resources.add(() -> second.stop(0));
        RebindingResolver resolver = new RebindingResolver();
        EgressProxy proxy = track(new EgressProxy(LOOPBACK_ONLY, resolver, TIMEOUT, TIMEOUT, 4));

        HttpResponse<String> response = client(proxy).sendAsync(
                HttpRequest.newBuilder(URI.create("http://rebind.test:" + port + "/img")).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString()).get(30, TimeUnit.SECONDS);

        assertThat(response.body()).isEqualTo("first");
        assertThat(resolver.lookups.get()).isEqualTo(1);
        assertThat(first.hits("/img")).isEqualTo(1);
        assertThat(secondHits.get()).isZero();
    }

    @Test
    void fetcherRefusesANameThatRebindsToAForbiddenAddressAfterItsFirstCheck() {
        LocalHttpServer allowed = track(new LocalHttpServer("127.0.0.1"));
        allowed.on("/img", ex -> respond(ex, 200, "ok".getBytes(), true));
        LocalHttpServer forbidden = track(new LocalHttpServer("127.0.0.2"));
        forbidden.on("/", ex -> respond(ex, 200, "metadata".getBytes(), true));
        int port = URI.create(forbidden.url("/")).getPort();
        RebindingResolver resolver = new RebindingResolver();
        // The fetcher's own early check sees 127.0.0.1 and passes; the proxy's look-up gets 127.0.0.2.
        ImageFetcher fetcher = track(new ImageFetcher(FetchConfig.of(FetchConfig.SETTINGS.defaults().set(FetchConfig.ALLOW_PRIVATE_ADDRESSES, false)),
                SECOND_LOOPBACK_FORBIDDEN, resolver));

        StageException e = failure(fetcher.fetch("http://rebind.test:" + port + "/secret"));

        assertThat(e.code()).isEqualTo(FailureCode.FORBIDDEN_ADDRESS);
        assertThat(e.getMessage()).contains("127.0.0.2");
        assertThat(resolver.lookups.get()).isEqualTo(2);
        assertThat(forbidden.totalHits()).isZero();
    }

    /**
     * https reaches the proxy as CONNECT, and HttpClient turns the proxy's 403 into a bare IOException: the fetcher
     * must still report the proxy's refusal (FORBIDDEN_ADDRESS, not a retried NETWORK error). The refusal comes before
     * any TLS, so no TLS server is needed; nothing listens for TLS anywhere.
     */
    @Test
    void fetcherRefusesAnHttpsNameThatRebindsToAForbiddenAddress() {
        LocalHttpServer forbidden = track(new LocalHttpServer("127.0.0.2"));
        forbidden.on("/", ex -> respond(ex, 200, "metadata".getBytes(), true));
        int port = URI.create(forbidden.url("/")).getPort();
        // Every check by the fetcher sees 127.0.0.1, every look-up by the proxy 127.0.0.2: a retry would not help.
        AtomicInteger lookups = new AtomicInteger();
        HostResolver alternating = host -> {
            if (!host.endsWith(".test")) throw new UnknownHostException(host + " (not in the test resolver)");
            return new InetAddress[] {InetAddress.getByName(lookups.getAndIncrement() % 2 == 0 ? "127.0.0.1" : "127.0.0.2")};
        };
        ImageFetcher fetcher = track(new ImageFetcher(FetchConfig.of(FetchConfig.SETTINGS.defaults().set(FetchConfig.ALLOW_PRIVATE_ADDRESSES, false)),
                SECOND_LOOPBACK_FORBIDDEN, alternating));

        StageException e = failure(fetcher.fetch("https://rebind.test:" + port + "/secret"));

        assertThat(e.code()).isEqualTo(FailureCode.FORBIDDEN_ADDRESS);
        assertThat(e.getMessage()).contains("rebind.test", "127.0.0.2", "test-forbidden");
        assertThat(e.attempts()).as("a refusal is final, not retried").isEqualTo(1);
        assertThat(lookups.get()).isEqualTo(2);
        assertThat(forbidden.totalHits()).isZero();
    }

    /** The proxy's other CONNECT answers (here 502: no address for the name) stay network errors. */
    @Test
    void anHttpsNameTheProxyCannotResolveIsANetworkErrorNotARefusal() {
        AtomicInteger lookups = new AtomicInteger();
        // The fetcher's own check resolves the name; the proxy's look-up then finds nothing.
        HostResolver vanishing = host -> {
            if (!host.endsWith(".test")) throw new UnknownHostException(host + " (not in the test resolver)");
            if (lookups.getAndIncrement() % 2 == 0) return new InetAddress[] {InetAddress.getByName("127.0.0.1")};
            throw new UnknownHostException(host + " (gone)");
        };
        ImageFetcher fetcher = track(new ImageFetcher(FetchConfig.of(FetchConfig.SETTINGS.defaults().set(FetchConfig.ALLOW_PRIVATE_ADDRESSES, false)
                .set(FetchConfig.FETCH_ATTEMPTS, 1)
                .set(FetchConfig.RETRY_BACKOFF_MS, 10L)), SECOND_LOOPBACK_FORBIDDEN, vanishing));

        StageException e = failure(fetcher.fetch("https://gone.test:9/img"));

        assertThat(e.code()).isEqualTo(FailureCode.NETWORK);
        assertThat(lookups.get()).isEqualTo(2);
    }

    /** Issue 13, item 9: the proxy's 502 for a refused connection was recorded as the origin's HTTP_STATUS 502. */
    @Test
    void aConnectionRefusedBehindTheProxyIsANetworkFailureNotAnHttpStatus() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = s.getLocalPort(); // closed again at once: nothing listens there
        }
        HostResolver toLoopback = host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")};
        ImageFetcher fetcher = track(new ImageFetcher(FetchConfig.of(FetchConfig.SETTINGS.defaults().set(FetchConfig.ALLOW_PRIVATE_ADDRESSES, false)
                .set(FetchConfig.FETCH_ATTEMPTS, 1)
                .set(FetchConfig.RETRY_BACKOFF_MS, 10L)), LOOPBACK_ONLY, toLoopback));

        StageException e = failure(fetcher.fetch("http://closed.test:" + closedPort + "/img"));

        assertThat(e.code()).isEqualTo(FailureCode.NETWORK);
        assertThat(e.httpStatus()).as("no HTTP answer came from the origin").isEmpty();
        assertThat(e.getMessage()).contains("closed.test:" + closedPort);
    }

    /** Issue 13, item 9: an origin could forge the proxy's refusal and have FORBIDDEN_ADDRESS recorded with its text. */
    @Test
    void anOriginCannotForgeTheProxysRefusal() {
        LocalHttpServer origin = track(new LocalHttpServer("127.0.0.1"));
        origin.on("/img", ex -> {
            for (String name : List.of("Sieve-Egress-Refusal", "Sieve-Egress-Failure")) {
                ex.getResponseHeaders().add(name, "forged: host resolves to 10.0.0.1, a private address");
            }
            respond(ex, 403, "no".getBytes(), true);
        });
        HostResolver toLoopback = host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")};
        ImageFetcher fetcher = track(new ImageFetcher(FetchConfig.of(FetchConfig.SETTINGS.defaults().set(FetchConfig.ALLOW_PRIVATE_ADDRESSES, false)),
                LOOPBACK_ONLY, toLoopback));

        StageException e = failure(fetcher.fetch("http://origin.test:" + URI.create(origin.url("/")).getPort() + "/img"));

        assertThat(e.code()).isEqualTo(FailureCode.HTTP_STATUS);
        assertThat(e.httpStatus()).hasValue(403);
        assertThat(e.getMessage()).doesNotContain("forged");
        assertThat(origin.hits("/img")).isEqualTo(1);
    }

    /** The proxy's own headers never pass through from an origin, whatever their value. */
    @Test
    void theProxyDropsItsOwnHeadersFromAForwardedAnswer() throws Exception {
        LocalHttpServer origin = track(new LocalHttpServer("127.0.0.1"));
        origin.on("/img", ex -> {
            ex.getResponseHeaders().add("Sieve-Egress-Failure", "forged");
            ex.getResponseHeaders().add("X-Kept", "yes");
            respond(ex, 200, "ok".getBytes(), true);
        });
        HostResolver toLoopback = host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")};
        EgressProxy proxy = track(new EgressProxy(LOOPBACK_ONLY, toLoopback, TIMEOUT, TIMEOUT, 4));

        HttpResponse<String> response = client(proxy).sendAsync(HttpRequest.newBuilder(
                URI.create("http://origin.test:" + URI.create(origin.url("/")).getPort() + "/img")).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString()).get(30, TimeUnit.SECONDS);

        assertThat(response.body()).isEqualTo("ok");
        assertThat(response.headers().firstValue("X-Kept")).hasValue("yes");
        assertThat(response.headers().map().keySet()).noneMatch(h -> h.toLowerCase(java.util.Locale.ROOT).startsWith("sieve-egress"));
    }

    /**
     * Issue 13, item 9: {@code 0177.0.0.1} is 127.0.0.1 to browsers, curl and inet_aton, 177.0.0.1 to Java. Such legacy
     * spellings are refused as BAD_REFERENCE before any look-up, by the fetcher and by the proxy.
     */
    @Test
    void legacyIpv4SpellingsAreRefusedBeforeAnyLookUp() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        HostResolver counting = host -> {
            lookups.incrementAndGet();
            return InetAddress.getAllByName(host); // only ever called with literals here: no DNS
        };
        ImageFetcher fetcher = track(new ImageFetcher(FetchConfig.of(FetchConfig.SETTINGS.defaults().set(FetchConfig.ALLOW_PRIVATE_ADDRESSES, false)),
                LOOPBACK_ONLY, counting));
        EgressProxy proxy = track(new EgressProxy(LOOPBACK_ONLY, counting, TIMEOUT, TIMEOUT, 4));

        for (String host : List.of("0177.0.0.1", "2130706433", "0177.0.0.01", "127.0.0.01")) {
            StageException e = failure(fetcher.fetch("http://" + host + "/img"));
            assertThat(e.code()).as(host).isEqualTo(FailureCode.BAD_REFERENCE);
            assertThat(e.getMessage()).as(host).contains(host, "127.0.0.1");
            assertThat(rawConnect(proxy, host + ":443")).as(host).startsWith("HTTP/1.1 400");
        }
        assertThat(lookups.get()).isZero();
    }

    @Test
    void proxyRefusesAForbiddenAddressEvenWhenTheClientSkippedTheCheck() throws Exception {
        LocalHttpServer forbidden = track(new LocalHttpServer("127.0.0.2"));
        forbidden.on("/", ex -> respond(ex, 200, "metadata".getBytes(), true));
        int port = URI.create(forbidden.url("/")).getPort();
        HostResolver toForbidden = host -> new InetAddress[] {InetAddress.getByName("127.0.0.2")};
        EgressProxy proxy = track(new EgressProxy(SECOND_LOOPBACK_FORBIDDEN, toForbidden, TIMEOUT, TIMEOUT, 4));

        HttpResponse<String> response = client(proxy).sendAsync(
                HttpRequest.newBuilder(URI.create("http://meta.test:" + port + "/secret")).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString()).get(30, TimeUnit.SECONDS);
        String tunnel = rawConnect(proxy, "meta.test:" + port);

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.headers().firstValue(EgressProxy.FAILURE_HEADER)).get().asString().contains("127.0.0.2");
        assertThat(tunnel).startsWith("HTTP/1.1 403");
        assertThat(forbidden.totalHits()).isZero();
    }

    /** https goes through CONNECT and then bytes only: shown with a TCP echo server (no TLS server in this test). */
    @Test
    void connectTunnelCarriesBytesBothWaysToTheCheckedAddress() throws Exception {
        ServerSocket echo = new ServerSocket(0, 8, InetAddress.getByName("127.0.0.1"));
        resources.add(echo);
        ExecutorService echoThread = Executors.newSingleThreadExecutor();
        resources.add(echoThread::shutdownNow);
        echoThread.execute(() -> {
            try (Socket s = echo.accept()) {
                s.getInputStream().transferTo(s.getOutputStream());
            } catch (IOException ignored) {
                // The test ends the connection.
            }
        });
        RebindingResolver resolver = new RebindingResolver();
        EgressProxy proxy = track(new EgressProxy(LOOPBACK_ONLY, resolver, TIMEOUT, TIMEOUT, 4));

        try (Socket s = new Socket(proxy.address().getAddress(), proxy.address().getPort())) {
            s.setSoTimeout((int) TIMEOUT.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(("CONNECT echo.test:" + echo.getLocalPort() + " HTTP/1.1\r\nHost: echo.test\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            String status = in.readLine();
            assertThat(in.readLine()).isEmpty();
            out.write("hello through the tunnel\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();

            assertThat(status).startsWith("HTTP/1.1 200");
            assertThat(in.readLine()).isEqualTo("hello through the tunnel");
            assertThat(resolver.lookups.get()).isEqualTo(1);
        }
    }

    private static String rawConnect(EgressProxy proxy, String authority) throws IOException {
        try (Socket s = new Socket(proxy.address().getAddress(), proxy.address().getPort())) {
            s.setSoTimeout((int) TIMEOUT.toMillis());
            s.getOutputStream().write(("CONNECT " + authority + " HTTP/1.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1)).readLine();
        }
    }

    private HttpClient client(EgressProxy proxy) {
        return HttpClient.newBuilder().proxy(ProxySelector.of(proxy.address())).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(TIMEOUT).build();
    }

    private static StageException failure(java.util.concurrent.CompletableFuture<Fetched> f) {
        try {
            f.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            return (StageException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected a failure");
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }
}
