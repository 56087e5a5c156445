package dev.sieve.cli;

import dev.sieve.metrics.Health;
import dev.sieve.metrics.MetricsServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * Where a long-running command serves /metrics and /health/* ({@code --metrics-port}, see
 * {@link HealthOptions#metricsPort}).
 */
final class MetricsOptions {
    private MetricsOptions() {}

    /** Starts the endpoint, or nothing when {@code port} is 0. */
    static Optional<MetricsServer> start(int port, PrometheusMeterRegistry registry, Health health) {
        if (port == 0) return Optional.empty();
        try {
            MetricsServer server = MetricsServer.start(new InetSocketAddress(port), registry, health);
            System.err.println("metrics on http://0.0.0.0:" + server.port() + MetricsServer.METRICS_PATH);
            return Optional.of(server);
        } catch (BindException e) {
            // Several workers on one laptop (one per terminal) all default to the same port: the first one serves,
            // the others run without an endpoint rather than not at all. In a pod the port is always free.
            System.err.println("metrics: port " + port + " is in use (another sieve on this host?); running without "
                    + "/metrics and /health — give each process its own --metrics-port");
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on port " + port + ": " + e.getMessage(), e);
        }
    }
}
