package dev.sieve.sort;

import dev.sieve.avro.ScoredImage;
import dev.sieve.kafka.AvroSerde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

/** The sorter's Kafka Streams topology, top to bottom. */
public final class BucketTopology {
    private BucketTopology() {}

    /**
     * {@code input} (key: image id, value: ScoredImage) → one record per bucket the router finds → the bucket's topic.
     * Records that fail to decode never get here: the deserialization handler logs and skips them
     * ({@link SortApp#streamsProperties}). Tombstones (null values) are skipped.
     */
    public static Topology build(String input, BucketRouter router) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.String(), AvroSerde.of(ScoredImage.class)).withName("scored"))
                .filter((id, image) -> image != null, Named.as("not-a-tombstone"))
                .flatMapValues(router::route, Named.as("route-to-buckets"))
                .to((id, routed, context) -> routed.topic(), Produced.with(Serdes.String(), Routed.serde()).withName("bucket-topic"));
        return builder.build();
    }
}
