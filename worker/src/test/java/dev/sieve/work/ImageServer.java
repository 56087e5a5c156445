package dev.sieve.work;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A loopback HTTP server for worker tests: {@code /img/N} answers with one of a few small sample images (N picks
 * which), {@code /gone/N} with 404. Many distinct URIs, few bytes in memory.
 */
final class ImageServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(4);

    /** @param delayMillis how long each image answer waits before its headers: a slow site, so work stays in flight */
    ImageServer(List<Path> images, long delayMillis) throws IOException {
        byte[][] bodies = new byte[images.size()][];
        for (int i = 0; i < bodies.length; i++) bodies[i] = Files.readAllBytes(images.get(i));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(threads);
        server.createContext("/img/", exchange -> {
            try (exchange) {
                String n = exchange.getRequestURI().getPath().substring("/img/".length());
                byte[] body = bodies[Math.floorMod(n.hashCode(), bodies.length)];
                if (delayMillis > 0) Thread.sleep(delayMillis); // the site's latency, not synchronisation
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.createContext("/gone/", exchange -> {
            try (exchange) {
                exchange.sendResponseHeaders(404, -1);
            }
        });
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
