package dev.sieve.metrics;

import java.util.Map;
import java.util.OptionalDouble;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Whether a Kafka client has been in touch with its group coordinator lately, from the client's own metrics: a
 * member heartbeats every few seconds while the broker answers, so a long silence means the cluster is out of reach.
 */
public final class KafkaContact {
    private static final String HEARTBEAT_AGE = "last-heartbeat-seconds-ago";
    /** consumer-coordinator-metrics (consumer groups, Kafka Streams) and the share consumer's counterpart. */
    private static final String COORDINATOR_GROUP_SUFFIX = "coordinator-metrics";

    private KafkaContact() {}

    /**
     * Seconds since any client whose metrics these are last heartbeated to its group coordinator; empty when none has
     * yet (a client that never reached a coordinator reports no usable age).
     */
    public static OptionalDouble secondsSinceHeartbeat(Map<MetricName, ? extends Metric> metrics) {
        double least = Double.POSITIVE_INFINITY;
        for (var e : metrics.entrySet()) {
            MetricName name = e.getKey();
            if (!name.name().equals(HEARTBEAT_AGE) || !name.group().endsWith(COORDINATOR_GROUP_SUFFIX)) continue;
            if (e.getValue().metricValue() instanceof Number n && n.doubleValue() >= 0) least = Math.min(least, n.doubleValue());
        }
        return Double.isFinite(least) ? OptionalDouble.of(least) : OptionalDouble.empty();
    }
}
