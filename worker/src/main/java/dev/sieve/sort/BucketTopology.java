package dev.sieve.sort;

import dev.sieve.avro.Correction;
import dev.sieve.avro.ScoredImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.SchemaRegistry;
import dev.sieve.kafka.Topics;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.TopicNameExtractor;

/** The sorter's Kafka Streams topology, top to bottom. */
public final class BucketTopology {
    private BucketTopology() {}

    /** {@link #build(String, String, BucketRouter, Optional)} with the default corrections topic, no schema registry. */
    public static Topology build(String input, BucketRouter router) {
        return build(input, Topics.CORRECTIONS, router, Optional.empty());
    }

    /**
     * {@code input} (key: image id, value: ScoredImage) → one record per bucket the router finds, corrections applied
     * → the bucket's topic; {@code corrections} (key: image id, value: Correction) → the image's latest record moved
     * to its new buckets, with removal markers (tombstones) on the ones it left. See {@link BucketAssignment}.
     * Records that fail to decode never get here: the deserialization handler logs and skips them
     * ({@link SortApp#streamsProperties}). Tombstones on the input are skipped. Values are written through
     * {@code registry} when there is one.
     */
    public static Topology build(String input, String corrections, BucketRouter router, Optional<SchemaRegistry> registry) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(BucketAssignment.imagesStore(registry));
        builder.addStateStore(BucketAssignment.correctionsStore(registry));
        TopicNameExtractor<String, Routed> bucket = (id, routed, context) -> routed.topic();
        builder.stream(input, Consumed.with(Serdes.String(), AvroSerde.of(ScoredImage.class, registry)).withName("scored"))
                .filter((id, image) -> image != null, Named.as("not-a-tombstone"))
                .process(() -> new BucketAssignment.Scored(router), Named.as("route-to-buckets"),
                        BucketAssignment.IMAGES, BucketAssignment.CORRECTIONS)
                .to(bucket, Produced.with(Serdes.String(), Routed.serde(registry)).withName("bucket-topic"));
        builder.stream(corrections, Consumed.with(Serdes.String(), AvroSerde.of(Correction.class, registry)).withName("corrections"))
                .process(() -> new BucketAssignment.Corrected(router), Named.as("apply-corrections"),
                        BucketAssignment.IMAGES, BucketAssignment.CORRECTIONS)
                .to(bucket, Produced.with(Serdes.String(), Routed.serde(registry)).withName("moved-bucket-topic"));
        return builder.build();
    }
}
