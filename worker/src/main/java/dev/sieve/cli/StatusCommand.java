package dev.sieve.cli;

import dev.sieve.kafka.Topics;
import dev.sieve.status.ClusterStatus;
import dev.sieve.status.StatusConfig;
import dev.sieve.status.StatusReader;
import dev.sieve.status.StatusReport;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sieve status}: lag, throughput, failures and buckets, from Kafka alone. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"A quick look at a running pipeline without Grafana: the worker group's lag per partition of images.in, "
                + "throughput over a short window, failure codes among the newest images.failed records, and bucket sizes."},
        footer = {"", "Example:", "  sieve status -b kafka:9092 --window-s 10"})
public final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--group", defaultValue = "sieve-workers", description = "The workers' consumer group. Default: ${DEFAULT-VALUE}.")
    String group;

    @Option(names = "--input-topic", defaultValue = Topics.IN, description = "Topic the workers consume. Default: ${DEFAULT-VALUE}.")
    String inputTopic;

    @Option(names = "--failed-topic", defaultValue = Topics.FAILED, description = "Topic of failed images. Default: ${DEFAULT-VALUE}.")
    String failedTopic;

    @Option(names = "--bucket-prefix", defaultValue = Topics.BUCKET_PREFIX, description = "Bucket topics start with this. Default: ${DEFAULT-VALUE}.")
    String bucketPrefix;

    @Option(names = "--window-s", defaultValue = "5", description = "Seconds between the two offset snapshots throughput is measured over; 0 = no throughput. Default: ${DEFAULT-VALUE}.")
    int windowS;

    @Option(names = "--failed-sample", defaultValue = "10000", description = "Newest records per partition of the failed topic read to count codes. Default: ${DEFAULT-VALUE}.")
    int failedSample;

    StatusConfig config() {
        try {
            if (windowS < 0) throw new IllegalArgumentException("--window-s " + windowS + ": must be >= 0");
            return new StatusConfig(group, inputTopic, failedTopic, bucketPrefix, Duration.ofSeconds(windowS), failedSample);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        StatusConfig config = config();
        try (StatusReader reader = new StatusReader(kafka.bootstrapServers, config)) {
            ClusterStatus status = reader.read();
            StatusReport.print(status, config.inputTopic(), spec.commandLine().getOut());
        }
        return 0;
    }
}
