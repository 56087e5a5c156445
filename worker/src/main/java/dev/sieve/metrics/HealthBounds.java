package dev.sieve.metrics;

import java.time.Duration;

/**
 * How long a process's own work may take before its probes say so (see docs/health.md). Live answers "are this
 * process's threads making progress?", so a restart can help; ready answers "can it do its job now?", which a broker
 * outage takes away without anything a restart would fix.
 *
 * @param loopStall    the poll loop must come round within this (its rounds take milliseconds)
 * @param kafkaCall    the longest a Kafka client call may block before it times out by itself (the longest of
 *                     {@code max.block.ms}, {@code delivery.timeout.ms}, {@code default.api.timeout.ms}): a loop
 *                     waiting in such a call for the broker gets this on top of
 *                     {@code loopStall}, and it is retried, so an outage never makes the process not live
 * @param batchStall   the longest one forward pass of the model may take (a CPU batch of 32 crops takes seconds)
 * @param modelLoad    the longest loading the models may take before the load counts as hung
 * @param kafkaSilence not ready once the group coordinator has not been heard from for this long
 */
public record HealthBounds(Duration loopStall, Duration kafkaCall, Duration batchStall, Duration modelLoad,
                           Duration kafkaSilence) {
    public HealthBounds {
        for (Duration d : new Duration[] {loopStall, kafkaCall, batchStall, modelLoad, kafkaSilence}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("health bounds must be positive: " + d);
            }
        }
    }

    // Seconds, as constants the command-line options can name as their defaults.
    public static final long DEFAULT_LOOP_STALL_S = 60;
    /** The Kafka producer's default delivery.timeout.ms, the longest of the client timeouts that end a blocked call. */
    public static final long DEFAULT_KAFKA_CALL_S = 120;
    public static final long DEFAULT_BATCH_STALL_S = 300;
    public static final long DEFAULT_MODEL_LOAD_S = 600;
    public static final long DEFAULT_KAFKA_SILENCE_S = 30;
    public static final Duration DEFAULT_KAFKA_CALL = Duration.ofSeconds(DEFAULT_KAFKA_CALL_S);
    public static final Duration DEFAULT_KAFKA_SILENCE = Duration.ofSeconds(DEFAULT_KAFKA_SILENCE_S);

    public static HealthBounds defaults() {
        return new HealthBounds(Duration.ofSeconds(DEFAULT_LOOP_STALL_S), DEFAULT_KAFKA_CALL,
                Duration.ofSeconds(DEFAULT_BATCH_STALL_S), Duration.ofSeconds(DEFAULT_MODEL_LOAD_S), DEFAULT_KAFKA_SILENCE);
    }
}
