package dev.sieve.fetch;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.SocketTimeoutException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A forward proxy inside the worker, on 127.0.0.1 and an ephemeral port, through which the fetcher's HTTP client
 * reaches the web. It resolves each host ONCE, checks every address with the {@link AddressPolicy}, and connects
 * to that same checked {@link InetAddress}: there is no second look-up a rebinding DNS server could answer
 * differently.
 *
 * <p>Why a proxy: Java 17's HttpClient has no per-request resolver and always resolves the URI's host itself.
 * Rewriting the URI to the checked IP literal would work for plain http only if the Host header could be set (it is
 * a restricted header in HttpClient), and breaks https outright (SNI and the certificate check would see the IP).
 * A proxy handles both schemes the same way: plain http arrives as an absolute-URI request; https arrives as
 * {@code CONNECT host:port}, after which the proxy only copies bytes, so TLS stays end to end and SNI and the
 * certificate check are the client's, unchanged.
 *
 * <p>Plain http requests are forwarded one per connection, with {@code Connection: close} both ways, so the client
 * never reuses a proxy connection for a request to another host. Connections are bounded ({@code maxConnections};
 * beyond that a new one waits in the accept queue), each uses two threads while open.
 */
final class EgressProxy implements Closeable {

    /**
     * Marks an answer the proxy wrote itself (a refusal, an unreachable or unresolvable host, a bad request) instead of
     * forwarding the origin's: {@code <secret> <why>}. The secret is drawn per proxy and never leaves this process, so
     * an origin cannot write an answer the fetcher takes for the proxy's; the proxy also drops any {@code Sieve-Egress-}
     * header from what it forwards. The status says which failure it is (see {@link #ownFailure}).
     */
    static final String FAILURE_HEADER = "Sieve-Egress-Failure";
    private static final String OWN_HEADER_PREFIX = "sieve-egress-";
    private static final int MAX_HEAD_BYTES = 64 * 1024;

    private final AddressPolicy policy;
    private final HostResolver resolver;
    private final Duration connectTimeout;
    private final Duration idleTimeout;
    private final ServerSocket server;
    private final Semaphore connections;
    private final ExecutorService threads;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final String secret = newSecret();
    /**
     * Recent CONNECT failures by {@code host:port}. HttpClient turns a failed tunnel into a bare IOException (its
     * message carries only the status), so for https the fetcher asks here why (see {@link #tunnelFailure}).
     */
    private final Map<String, TunnelFailure> tunnelFailures = new ConcurrentHashMap<>();
    private volatile boolean closed;

    EgressProxy(AddressPolicy policy, HostResolver resolver, Duration connectTimeout, Duration idleTimeout,
            int maxConnections) throws IOException {
        this.policy = policy;
        this.resolver = resolver;
        this.connectTimeout = connectTimeout;
        this.idleTimeout = idleTimeout;
        this.connections = new Semaphore(maxConnections);
        AtomicInteger n = new AtomicInteger();
        // Two threads per connection (one per direction) plus the acceptor: bounded by the semaphore.
        this.threads = Executors.newFixedThreadPool(2 * maxConnections + 1, r -> {
            Thread t = new Thread(r, "sieve-egress-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        threads.execute(this::acceptLoop);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        for (Socket s : open) closeQuietly(s);
        threads.shutdownNow();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                connections.acquire();
            } catch (InterruptedException e) {
                return;
            }
            try {
                Socket client = server.accept();
                open.add(client);
                threads.execute(() -> {
                    try {
                        serve(client);
                    } finally {
                        closeQuietly(client);
                        open.remove(client);
                        connections.release();
                    }
                });
            } catch (IOException e) {
                connections.release();
                if (closed) return;
            }
        }
    }

    private void serve(Socket client) {
        Socket upstream = null;
        try {
            client.setSoTimeout((int) idleTimeout.toMillis());
            InputStream fromClient = client.getInputStream();
            OutputStream toClient = client.getOutputStream();
            String head = readHead(fromClient);
            if (head == null) return;
            String[] lines = head.split("\r\n");
            String[] requestLine = lines[0].split(" ");
            if (requestLine.length != 3) {
                fail(toClient, false, null, 0, 400, "bad request line");
                return;
            }
            boolean tunnel = requestLine[0].equalsIgnoreCase("CONNECT");
            String host;
            int port;
            String originForm = null;
            if (tunnel) {
                URI authority = new URI("tunnel://" + requestLine[1]);
                host = authority.getHost();
                port = authority.getPort();
            } else {
                URI target = new URI(requestLine[1]);
                if (!"http".equalsIgnoreCase(target.getScheme()) || target.getHost() == null) {
                    fail(toClient, false, null, 0, 400, "only absolute http URIs are proxied");
                    return;
                }
                host = target.getHost();
                port = target.getPort() == -1 ? 80 : target.getPort();
                originForm = (target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath())
                        + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
            }
            if (host == null || port <= 0) {
                fail(toClient, tunnel, host, port, 400, "no host or port");
                return;
            }
            Optional<String> legacy = LegacyIpv4Literal.refusal(host);
            if (legacy.isPresent()) {
                fail(toClient, tunnel, host, port, 400, legacy.get());
                return;
            }
            InetAddress checked;
            try {
                checked = resolveAndCheck(host);
            } catch (Refused e) {
                fail(toClient, tunnel, host, port, 403, e.getMessage());
                return;
            } catch (IOException e) {
                fail(toClient, tunnel, host, port, 502, "unknown host " + host);
                return;
            }
            upstream = new Socket();
            open.add(upstream);
            try {
                // The address that was checked, never the name: nothing is resolved again.
                upstream.connect(new InetSocketAddress(checked, port), (int) connectTimeout.toMillis());
            } catch (SocketTimeoutException e) {
                fail(toClient, tunnel, host, port, 504, "no connection within " + connectTimeout.toMillis() + " ms to "
                        + host + ":" + port + " (" + checked.getHostAddress() + ")");
                return;
            } catch (IOException e) {
                fail(toClient, tunnel, host, port, 502, "cannot connect to " + host + ":" + port + " ("
                        + checked.getHostAddress() + "): " + e.getMessage());
                return;
            }
            upstream.setSoTimeout((int) idleTimeout.toMillis());
            if (tunnel) {
                toClient.write("HTTP/1.1 200 Connection Established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                toClient.flush();
                Socket up = upstream;
                threads.execute(() -> copyThenShut(client, up));
                copyThenShut(up, client);
            } else {
                upstream.getOutputStream().write(forwardedHead(requestLine, originForm, lines)
                        .getBytes(StandardCharsets.ISO_8859_1));
                upstream.getOutputStream().flush();
                // Only GETs without a body are sent by the fetcher; nothing more is read from the client, so a second
                // request on this connection can never reach this host.
                InputStream fromUpstream = upstream.getInputStream();
                String responseHead = readHead(fromUpstream);
                if (responseHead == null) return;
                toClient.write(withConnectionClose(responseHead.split("\r\n")).getBytes(StandardCharsets.ISO_8859_1));
                fromUpstream.transferTo(toClient);
                toClient.flush();
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            // The client sees the connection close; its own error handling (retry, failure record) takes over.
        } finally {
            if (upstream != null) {
                closeQuietly(upstream);
                open.remove(upstream);
            }
        }
    }

    /** A failure the proxy answered itself: the status it wrote and why. */
    record OwnFailure(int status, String message) {}

    private record TunnelFailure(OwnFailure failure, long atNanos) {}

    /**
     * The proxy's own failure, when {@code headerValue} (the answer's {@link #FAILURE_HEADER}) carries this proxy's
     * secret; empty for anything an origin wrote.
     */
    Optional<OwnFailure> ownFailure(int status, Optional<String> headerValue) {
        if (headerValue.isEmpty()) return Optional.empty();
        String value = headerValue.get();
        int space = value.indexOf(' ');
        if (space < 0) return Optional.empty();
        byte[] offered = value.substring(0, space).getBytes(StandardCharsets.US_ASCII);
        // Constant time: how much of a guess matched says nothing.
        if (!MessageDigest.isEqual(offered, secret.getBytes(StandardCharsets.US_ASCII))) return Optional.empty();
        return Optional.of(new OwnFailure(status, value.substring(space + 1)));
    }

    /**
     * Why the proxy failed a CONNECT to {@code host:port} at or after {@code sinceNanos} ({@link System#nanoTime()}),
     * if it did: the fetcher passes the start of its attempt, so a failure seen belongs to this attempt's tunnel (or
     * to a concurrent one to the same host and port, failed for the same reason).
     */
    Optional<OwnFailure> tunnelFailure(String host, int port, long sinceNanos) {
        TunnelFailure f = tunnelFailures.get(authority(host, port));
        return f != null && f.atNanos() - sinceNanos >= 0 ? Optional.of(f.failure()) : Optional.empty();
    }

    /** Answers with the proxy's own failure; for a CONNECT, recorded first, so it is there when the client sees it. */
    private void fail(OutputStream toClient, boolean tunnel, String host, int port, int status, String message)
            throws IOException {
        if (tunnel && host != null) {
            long now = System.nanoTime();
            // Only failures younger than an attempt can matter: older ones go, so the map stays small whatever arrives.
            long maxAge = connectTimeout.plus(idleTimeout).toNanos();
            tunnelFailures.values().removeIf(f -> now - f.atNanos() > maxAge);
            tunnelFailures.put(authority(host, port), new TunnelFailure(new OwnFailure(status, message), now));
        }
        answer(toClient, status, message, secret + " " + message.replaceAll("[\r\n]", " "));
    }

    private static String newSecret() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String authority(String host, int port) {
        return host.toLowerCase(Locale.ROOT) + ":" + port;
    }

    /** Resolves {@code host} once; every address must be allowed; the first one is the one connected to. */
    private InetAddress resolveAndCheck(String host) throws IOException {
        String name = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] addresses = resolver.resolve(name);
        if (addresses.length == 0) throw new IOException("no address for " + host);
        for (InetAddress a : addresses) {
            Optional<String> refusal = policy.refusal(a);
            if (refusal.isPresent()) {
                throw new Refused("host " + host + " resolves to " + a.getHostAddress() + ", a " + refusal.get()
                        + " address");
            }
        }
        return addresses[0];
    }

    private static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    private static String forwardedHead(String[] requestLine, String originForm, String[] lines) {
        StringBuilder out = new StringBuilder(requestLine[0]).append(' ').append(originForm).append(' ')
                .append(requestLine[2]).append("\r\n");
        for (int i = 1; i < lines.length; i++) {
            if (!hopByHop(lines[i])) out.append(lines[i]).append("\r\n");
        }
        return out.append("Connection: close\r\n\r\n").toString();
    }

    private static String withConnectionClose(String[] lines) {
        StringBuilder out = new StringBuilder(lines[0]).append("\r\n");
        for (int i = 1; i < lines.length; i++) {
            if (!hopByHop(lines[i])) out.append(lines[i]).append("\r\n");
        }
        return out.append("Connection: close\r\n\r\n").toString();
    }

    /**
     * Headers that belong to one connection (and an h2c upgrade offer, which this proxy does not carry), and the
     * proxy's own headers, which only the proxy may write.
     */
    private static boolean hopByHop(String line) {
        int colon = line.indexOf(':');
        if (colon < 0) return true;
        String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        if (name.startsWith(OWN_HEADER_PREFIX)) return true;
        return switch (name) {
            case "connection", "proxy-connection", "keep-alive", "upgrade", "http2-settings", "proxy-authorization" -> true;
            default -> false;
        };
    }

    /** The bytes up to the blank line that ends a head, without it; null when the stream ends first. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (head.size() < MAX_HEAD_BYTES) {
            int b = in.read();
            if (b < 0) return null;
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                String text = head.toString(StandardCharsets.ISO_8859_1);
                return text.substring(0, text.length() - 4);
            }
        }
        throw new IOException("head longer than " + MAX_HEAD_BYTES + " bytes");
    }

    private static void answer(OutputStream out, int status, String message, String failure) throws IOException {
        byte[] body = message.getBytes(StandardCharsets.UTF_8);
        String reason = switch (status) {
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 504 -> "Gateway Timeout";
            default -> "Bad Gateway";
        };
        // The header is ISO-8859-1 on the wire: other characters of a host name become '?', not a broken head.
        String head = "HTTP/1.1 " + status + " " + reason + "\r\n"
                + FAILURE_HEADER + ": " + failure + "\r\n"
                + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    /** Copies until end of stream, then half-closes the other side so its reader sees the end too. */
    private static void copyThenShut(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException | RuntimeException ignored) {
            // Already closed or never opened: nothing to release.
        }
    }
}
