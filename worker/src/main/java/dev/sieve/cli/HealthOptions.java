package dev.sieve.cli;

import dev.sieve.kafka.KafkaClients;
import dev.sieve.metrics.HealthBounds;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The bounds behind a worker's /health/live and /health/ready (a picocli mixin; docs/health.md says why each). */
final class HealthOptions {
    @Option(names = "--health-loop-stall-s", paramLabel = "SECONDS", defaultValue = "60",
            description = {"Not live when the poll loop has not come round for this long; a loop waiting for the broker",
                    "inside a Kafka call gets the call's own timeout (max.block.ms) on top, so a broker outage never",
                    "makes the worker not live. Default: ${DEFAULT-VALUE}."})
    long loopStallS;

    @Option(names = "--health-batch-stall-s", paramLabel = "SECONDS", defaultValue = "300",
            description = "Not live when one forward pass of the model has run this long. Default: ${DEFAULT-VALUE}.")
    long batchStallS;

    @Option(names = "--health-model-load-s", paramLabel = "SECONDS", defaultValue = "600",
            description = "Not live when loading the models has taken this long (a hung load). Default: ${DEFAULT-VALUE}.")
    long modelLoadS;

    @Option(names = "--health-kafka-silence-s", paramLabel = "SECONDS", defaultValue = "30",
            description = {"Not ready when the consumer has not heartbeated to its group coordinator for this long",
                    "(the broker is out of reach). Default: ${DEFAULT-VALUE}."})
    long kafkaSilenceS;

    /** The bounds, with the Kafka call bound taken from the client settings (--kafka-config) when they set it. */
    HealthBounds bounds(String bootstrap) {
        String maxBlock = KafkaClients.props(bootstrap).getProperty("max.block.ms");
        Duration kafkaCall = maxBlock == null ? HealthBounds.DEFAULT_KAFKA_CALL : Duration.ofMillis(Long.parseLong(maxBlock.trim()));
        return new HealthBounds(Duration.ofSeconds(loopStallS), kafkaCall, Duration.ofSeconds(batchStallS),
                Duration.ofSeconds(modelLoadS), Duration.ofSeconds(kafkaSilenceS));
    }
}
