package dev.sieve.cli;

import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.status.ClusterStatus;
import dev.sieve.status.StatusConfig;
import dev.sieve.status.StatusReader;
import dev.sieve.status.StatusReport;
import picocli.CommandLine.Command;

/** {@code sieve status}: lag, throughput, failures and buckets, from Kafka alone. */
@Command(name = "status", mixinStandardHelpOptions = true, modelTransformer = SettingOptions.Install.class,
        description = {"A quick look at a running pipeline without Grafana: the worker group's lag per partition of images.in, "
                + "throughput over a short window, failure codes among the newest images.failed records, and bucket sizes."},
        footer = {"", "Example:", "  sieve status -b kafka:9092 --window-s 10"})
public final class StatusCommand extends ConfiguredCommand {
    /** Every setting of {@code sieve status}. */
    static final Settings SETTINGS = Settings.of("status", KafkaSettings.SETTINGS, StatusConfig.SETTINGS);

    public StatusCommand() {
        super(SETTINGS);
    }

    @Override
    public Integer call() throws InterruptedException {
        Values values = values();
        StatusConfig config = StatusConfig.of(values);
        try (StatusReader reader = new StatusReader(KafkaSettings.of(values), config)) {
            ClusterStatus status = reader.read();
            StatusReport.print(status, config.inputTopic(), spec.commandLine().getOut());
        }
        return 0;
    }
}
