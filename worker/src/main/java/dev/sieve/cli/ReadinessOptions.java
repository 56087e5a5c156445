package dev.sieve.cli;

import dev.sieve.metrics.HealthBounds;
import java.time.Duration;
import picocli.CommandLine.Option;

/** When a work or sort process stops being ready for want of the broker (a picocli mixin; see docs/health.md). */
final class ReadinessOptions {
    @Option(names = "--health-kafka-silence-s", paramLabel = "SECONDS", defaultValue = "" + HealthBounds.DEFAULT_KAFKA_SILENCE_S,
            description = {"Not ready when the consumer has not heartbeated to its group coordinator for this long",
                    "(the broker is out of reach). Default: ${DEFAULT-VALUE}."})
    long kafkaSilenceS;

    Duration kafkaSilence() {
        if (kafkaSilenceS < 1) throw new IllegalArgumentException("--health-kafka-silence-s " + kafkaSilenceS + ": must be >= 1");
        return Duration.ofSeconds(kafkaSilenceS);
    }
}
