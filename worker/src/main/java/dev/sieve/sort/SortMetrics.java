package dev.sieve.sort;

import dev.sieve.metrics.MeterNames;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The sorter's meters: its own counts, read from the router when scraped, plus Kafka Streams' metrics (prefixed
 * {@code kafka.stream}). Per-bucket counts are kept by {@link BucketRouter} as it routes.
 */
final class SortMetrics implements AutoCloseable {
    private final KafkaStreamsMetrics streamsMetrics;

    private SortMetrics(KafkaStreamsMetrics streamsMetrics) {
        this.streamsMetrics = streamsMetrics;
    }

    static SortMetrics bind(MeterRegistry registry, BucketRouter router, KafkaStreams streams) {
        counter(registry, MeterNames.SORT_IMAGES, "Scored images read", router, r -> r.counts().images());
        counter(registry, MeterNames.SORT_UNTAGGED, "Images that matched no bucket", router, r -> r.counts().untagged());
        counter(registry, MeterNames.SORT_UNROUTABLE, "Tags dropped: their bucket topic cannot exist", router,
                r -> r.counts().unroutable());
        counter(registry, MeterNames.SORT_UNDECODABLE, "Input records that were not a ScoredImage", streams,
                SortMetrics::droppedRecords);
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
        return new SortMetrics(streamsMetrics);
    }

    private static <T> void counter(MeterRegistry registry, String name, String description, T source, ToDoubleFunction<T> f) {
        FunctionCounter.builder(name, source, f).description(description).register(registry);
    }

    /** Kafka Streams' {@code dropped-records-total}, summed over its tasks: what the deserialization handler skipped. */
    static long droppedRecords(KafkaStreams streams) {
        double total = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            if (e.getKey().name().equals("dropped-records-total") && e.getValue().metricValue() instanceof Number n) {
                total += n.doubleValue();
            }
        }
        return (long) total;
    }

    @Override
    public void close() {
        streamsMetrics.close();
    }
}
