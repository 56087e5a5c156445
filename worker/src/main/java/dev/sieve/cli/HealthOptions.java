package dev.sieve.cli;

import dev.sieve.kafka.KafkaClients;
import dev.sieve.metrics.HealthBounds;
import java.time.Duration;
import java.util.Properties;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The bounds behind a worker's /health/live and /health/ready (a picocli mixin; docs/health.md says why each). */
final class HealthOptions {
    @Option(names = "--health-loop-stall-s", paramLabel = "SECONDS", defaultValue = "" + HealthBounds.DEFAULT_LOOP_STALL_S,
            description = {"Not live when the poll loop has not come round for this long; a loop waiting for the broker",
                    "inside a Kafka call gets the call's own timeout (the longest of max.block.ms,",
                    "delivery.timeout.ms and default.api.timeout.ms: 120 s by default) on top, so a broker outage never",
                    "makes the worker not live. Default: ${DEFAULT-VALUE}."})
    long loopStallS;

    @Option(names = "--health-batch-stall-s", paramLabel = "SECONDS", defaultValue = "" + HealthBounds.DEFAULT_BATCH_STALL_S,
            description = "Not live when one forward pass of the model has run this long. Default: ${DEFAULT-VALUE}.")
    long batchStallS;

    @Option(names = "--health-model-load-s", paramLabel = "SECONDS", defaultValue = "" + HealthBounds.DEFAULT_MODEL_LOAD_S,
            description = "Not live when loading the models has taken this long (a hung load). Default: ${DEFAULT-VALUE}.")
    long modelLoadS;

    @Mixin
    ReadinessOptions readiness;

    /**
     * The bounds. A Kafka call's own bound is the longest of the client timeouts that end a blocked call (a blocked
     * send or transaction call, a flush of undelivered records, a consumer call), as the client settings
     * (--kafka-config) set them or Kafka's defaults.
     */
    HealthBounds bounds(String bootstrap) {
        Properties settings = KafkaClients.props(bootstrap);
        Duration kafkaCall = HealthBounds.DEFAULT_KAFKA_CALL;
        for (String timeout : new String[] {"max.block.ms", "delivery.timeout.ms", "default.api.timeout.ms"}) {
            String ms = settings.getProperty(timeout);
            if (ms != null) kafkaCall = max(kafkaCall, Duration.ofMillis(Long.parseLong(ms.trim())));
        }
        return new HealthBounds(Duration.ofSeconds(loopStallS), kafkaCall, Duration.ofSeconds(batchStallS),
                Duration.ofSeconds(modelLoadS), readiness.kafkaSilence());
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
