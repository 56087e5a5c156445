package dev.sieve.cli;

import dev.sieve.kafka.Topics;
import dev.sieve.metrics.MetricsServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.sieve.sort.SortApp;
import dev.sieve.sort.SortConfig;
import dev.sieve.sort.SortCounts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sieve sort}: the Kafka Streams sorter, until interrupted. */
@Command(name = "sort", mixinStandardHelpOptions = true,
        description = {"Routes scored images into bucket topics images.bucket.<head>.<label> (Kafka Streams), creating the topics as "
                + "new (head, label) pairs appear. Records that are not a ScoredImage are logged and skipped. Runs until interrupted."})
public final class SortCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    TagRuleOptions tags;

    @Mixin
    LogOptions logging;

    @Mixin
    ReadinessOptions readiness;

    @Option(names = "--input-topic", defaultValue = Topics.SCORED, description = "Topic of scored images. Default: ${DEFAULT-VALUE}.")
    String input;

    @Option(names = "--corrections-topic", defaultValue = Topics.CORRECTIONS,
            description = "Topic of reviewers' corrections (`sieve review`); created with the input's partition count when missing. Default: ${DEFAULT-VALUE}.")
    String corrections;

    @Option(names = "--application-id", defaultValue = "sieve-sorter",
            description = "Kafka Streams application id (consumer group and transactional id prefix). Default: ${DEFAULT-VALUE}.")
    String applicationId;

    @Option(names = "--processing-guarantee", defaultValue = "EXACTLY_ONCE_V2",
            description = "EXACTLY_ONCE_V2 (a bucket never holds a record twice after a restart) or AT_LEAST_ONCE. Default: ${DEFAULT-VALUE}.")
    SortConfig.Guarantee guarantee;

    @Option(names = "--bucket-partitions", defaultValue = "0",
            description = "Partitions of each bucket topic the sorter creates; 0 = the broker's num.partitions. Default: ${DEFAULT-VALUE}.")
    int bucketPartitions;

    @Option(names = "--bucket-replication", defaultValue = "0",
            description = "Replication factor of each bucket topic the sorter creates; 0 = the broker's default. Default: ${DEFAULT-VALUE}.")
    short bucketReplication;

    @Option(names = "--threads", defaultValue = "1", description = "Kafka Streams stream threads. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--state-dir", defaultValue = "",
            description = "Kafka Streams state directory; empty = Kafka Streams' default (java.io.tmpdir/kafka-streams). Default: '${DEFAULT-VALUE}'.")
    String stateDir;

    @Option(names = "--metrics-port", defaultValue = "" + MetricsServer.SORT_PORT, description = MetricsOptions.PORT_DESCRIPTION)
    int metricsPort;

    @Option(names = "--shutdown-timeout-s", paramLabel = "SECONDS", defaultValue = "" + SortApp.CLOSE_TIMEOUT_S,
            description = {"On SIGTERM, wait at most this long for Kafka Streams to close (a close during a broker outage",
                    "can otherwise hang); then exit anyway, and the next sorter redoes what was not committed.",
                    "Default: ${DEFAULT-VALUE}."})
    int shutdownTimeoutS;

    @Option(names = "--report-interval-s", defaultValue = "30", description = "Seconds between progress lines. Default: ${DEFAULT-VALUE}.")
    int reportIntervalS;

    SortConfig config() {
        try {
            if (reportIntervalS < 1) throw new IllegalArgumentException("--report-interval-s " + reportIntervalS + ": must be >= 1");
            if (shutdownTimeoutS < 1) throw new IllegalArgumentException("--shutdown-timeout-s " + shutdownTimeoutS + ": must be >= 1");
            readiness.kafkaSilence();
            return new SortConfig(input, corrections, applicationId, tags.rules(), guarantee, bucketPartitions, bucketReplication, threads,
                    stateDir.isBlank() ? Optional.empty() : Optional.of(Path.of(stateDir)));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        SortConfig config = config();
        PrometheusMeterRegistry registry = MetricsServer.newRegistry();
        SortApp app = SortApp.start(config, kafka.bootstrapServers, registry);
        Optional<MetricsServer> server;
        try {
            server = MetricsOptions.start(metricsPort, registry, app.health(readiness.kafkaSilence()));
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
        Duration closeTimeout = Duration.ofSeconds(shutdownTimeoutS);
        Thread hook = new Thread(() -> app.close(closeTimeout), "sieve-sort-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        while (!app.awaitStop(Duration.ofSeconds(reportIntervalS))) print(app.counts());
        print(app.counts());
        boolean failed = app.state() == KafkaStreams.State.ERROR || app.state() == KafkaStreams.State.PENDING_ERROR;
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
            app.close(closeTimeout);
        } catch (IllegalStateException shuttingDown) {
            // The JVM is already exiting; the hook closes the app.
        }
        server.ifPresent(MetricsServer::close);
        return failed ? 1 : 0;
    }

    private static void print(SortCounts c) {
        System.out.printf("sorted %d images: %d bucket records, %d untagged, %d unroutable tags, %d undecodable records, "
                + "%d corrections applied, %d removals%n",
                c.images(), c.routed(), c.untagged(), c.unroutable(), c.undecodable(), c.corrected(), c.removals());
    }
}
