package dev.sieve.sort;

import dev.sieve.avro.ScoredImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.SchemaRegistry;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * One record on its way to one bucket topic: a copy of a scored image, or (image null) a removal marker, written as a
 * tombstone (key = image id, value null), saying the image has left that bucket. Only the value is written; the
 * topic picks the sink.
 */
public record Routed(String topic, ScoredImage image) {
    public static Routed removal(String topic) {
        return new Routed(topic, null);
    }

    public boolean isRemoval() {
        return image == null;
    }

    /** Writes the image as {@code images.scored} does, a removal as null; nothing reads a {@code Routed} back. */
    public static Serde<Routed> serde(Optional<SchemaRegistry> registry) {
        AvroSerde<ScoredImage> scored = AvroSerde.of(ScoredImage.class, registry);
        return Serdes.serdeFrom(
                (topic, routed) -> routed == null || routed.isRemoval() ? null : scored.encode(routed.image()),
                (topic, bytes) -> {
                    throw new UnsupportedOperationException("Routed is written to bucket topics, never read: read a ScoredImage");
                });
    }
}
