package dev.sieve.cli;

import dev.sieve.config.Setting;
import dev.sieve.config.Setting.Accepts;
import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.work.FailureLog;
import dev.sieve.metrics.MetricsServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.sieve.sort.SortApp;
import dev.sieve.sort.SortConfig;
import dev.sieve.sort.SortCounts;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;

/** {@code sieve sort}: the Kafka Streams sorter, until interrupted. */
@Command(name = "sort", mixinStandardHelpOptions = true, modelTransformer = SettingOptions.Install.class,
        description = {"Routes scored images into bucket topics images.bucket.<head>.<label> (Kafka Streams), creating the topics as "
                + "new (head, label) pairs appear. Records that are not a ScoredImage are logged and skipped. Runs until interrupted."})
public final class SortCommand extends ConfiguredCommand {
    static final Setting<Integer> METRICS_PORT = HealthOptions.metricsPort(MetricsServer.SORT_PORT);
    static final Setting<Integer> SHUTDOWN_TIMEOUT_S = Setting.integer("shutdown-timeout-s", SortApp.CLOSE_TIMEOUT_S)
            .accepts(Accepts.atLeast(1)).paramLabel("SECONDS")
            .doc("On SIGTERM, wait at most this long for Kafka Streams to close (a close during a broker outage can "
                    + "otherwise hang); then exit anyway, and the next sorter redoes what was not committed.");
    static final Setting<Integer> REPORT_INTERVAL_S = Setting.integer("report-interval-s", 30).accepts(Accepts.atLeast(1))
            .doc("Seconds between progress lines.");

    /** Every setting of {@code sieve sort}; --threshold and --score-bands are TagRuleOptions' own options. */
    static final Settings SETTINGS = Settings.of("sort", KafkaSettings.SETTINGS, SortConfig.SETTINGS, FailureLog.FORMAT,
            HealthOptions.KAFKA_SILENCE_S, METRICS_PORT, SHUTDOWN_TIMEOUT_S, REPORT_INTERVAL_S);

    public SortCommand() {
        super(SETTINGS);
    }

    @Mixin
    TagRuleOptions tags;

    SortConfig config() {
        return config(values());
    }

    private SortConfig config(Values values) {
        try {
            return SortConfig.of(values, tags.rules());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        Values values = values();
        LogFormat.apply(values);
        SortConfig config = config(values);
        KafkaSettings kafka = KafkaSettings.of(values);
        PrometheusMeterRegistry registry = MetricsServer.newRegistry();
        SortApp app = SortApp.start(config, kafka, registry);
        Optional<MetricsServer> server;
        try {
            server = MetricsOptions.start(values.get(METRICS_PORT), registry,
                    app.health(Duration.ofSeconds(values.get(HealthOptions.KAFKA_SILENCE_S))));
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
        Duration closeTimeout = Duration.ofSeconds(values.get(SHUTDOWN_TIMEOUT_S));
        Thread hook = new Thread(() -> app.close(closeTimeout), "sieve-sort-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Duration reportInterval = Duration.ofSeconds(values.get(REPORT_INTERVAL_S));
        while (!app.awaitStop(reportInterval)) print(app.counts());
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
