package dev.sieve.fetch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A real HTTP server on a loopback address and a free port, counting the requests each path gets. */
final class LocalHttpServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();

    LocalHttpServer(String address) {
        try {
            server = HttpServer.create(new InetSocketAddress(address, 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.start();
    }

    /** Serves {@code path} with {@code handler}, counting each request. */
    LocalHttpServer on(String path, HttpHandler handler) {
        server.createContext(path, exchange -> {
            total.incrementAndGet();
            hits.computeIfAbsent(exchange.getRequestURI().getPath(), k -> new AtomicInteger()).incrementAndGet();
            try {
                handler.handle(exchange);
            } finally {
                exchange.close();
            }
        });
        return this;
    }

    String url(String path) {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort() + path;
    }

    int hits(String path) {
        AtomicInteger n = hits.get(path);
        return n == null ? 0 : n.get();
    }

    int totalHits() {
        return total.get();
    }

    static void respond(HttpExchange exchange, int status, byte[] body, boolean declareLength) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : declareLength ? body.length : 0);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    static void redirect(HttpExchange exchange, String location) throws IOException {
        exchange.getResponseHeaders().add("Location", location);
        exchange.sendResponseHeaders(302, -1);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
