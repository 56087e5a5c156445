package dev.sieve.cli;

import dev.sieve.config.Setting;
import dev.sieve.config.Setting.Accepts;
import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.metrics.HealthBounds;
import java.time.Duration;
import java.util.Properties;

/** The bounds behind a worker's /health/live and /health/ready (docs/health.md says why each). */
final class HealthOptions {
    private HealthOptions() {}

    static final Setting<Long> LOOP_STALL_S = Setting.longValue("health-loop-stall-s", HealthBounds.DEFAULT_LOOP_STALL_S)
            .accepts(Accepts.atLeast(1L)).paramLabel("SECONDS")
            .doc("Not live when the poll loop has not come round for this long; a loop waiting for the broker inside a "
                    + "Kafka call gets the call's own timeout (the longest of max.block.ms, delivery.timeout.ms and "
                    + "default.api.timeout.ms: 120 s by default) on top, so a broker outage never makes the worker not live.");
    static final Setting<Long> BATCH_STALL_S = Setting.longValue("health-batch-stall-s", HealthBounds.DEFAULT_BATCH_STALL_S)
            .accepts(Accepts.atLeast(1L)).paramLabel("SECONDS")
            .doc("Not live when one forward pass of the model has run this long.");
    static final Setting<Long> MODEL_LOAD_S = Setting.longValue("health-model-load-s", HealthBounds.DEFAULT_MODEL_LOAD_S)
            .accepts(Accepts.atLeast(1L)).paramLabel("SECONDS")
            .doc("Not live when loading the models has taken this long (a hung load).");
    /** When a work or sort process stops being ready for want of the broker. */
    static final Setting<Long> KAFKA_SILENCE_S = Setting.longValue("health-kafka-silence-s", HealthBounds.DEFAULT_KAFKA_SILENCE_S)
            .accepts(Accepts.atLeast(1L)).paramLabel("SECONDS")
            .doc("Not ready when the consumer has not heartbeated to its group coordinator for this long (the broker is out of reach).");

    static final Settings SETTINGS = Settings.of("health", LOOP_STALL_S, BATCH_STALL_S, MODEL_LOAD_S, KAFKA_SILENCE_S);

    /** The port of /metrics and /health; its default differs per command (work 9400, sort 9401). */
    static Setting<Integer> metricsPort(int defaultPort) {
        return Setting.integer("metrics-port", defaultPort).accepts(Accepts.between(0, 65535))
                .doc("Port of the HTTP endpoint serving /metrics (Prometheus), /health/live and /health/ready, on all "
                        + "interfaces; 0 = no endpoint; a port already in use gives a warning and no endpoint.");
    }

    /**
     * The bounds. A Kafka call's own bound is the longest of the client timeouts that end a blocked call (a blocked
     * send or transaction call, a flush of undelivered records, a consumer call), as the client settings
     * (--kafka-config) set them or Kafka's defaults.
     */
    static HealthBounds bounds(Values values, KafkaSettings kafka) {
        Properties settings = kafka.props();
        Duration kafkaCall = HealthBounds.DEFAULT_KAFKA_CALL;
        for (String timeout : new String[] {"max.block.ms", "delivery.timeout.ms", "default.api.timeout.ms"}) {
            String ms = settings.getProperty(timeout);
            if (ms != null) kafkaCall = max(kafkaCall, Duration.ofMillis(Long.parseLong(ms.trim())));
        }
        return new HealthBounds(Duration.ofSeconds(values.get(LOOP_STALL_S)), kafkaCall,
                Duration.ofSeconds(values.get(BATCH_STALL_S)), Duration.ofSeconds(values.get(MODEL_LOAD_S)),
                Duration.ofSeconds(values.get(KAFKA_SILENCE_S)));
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
