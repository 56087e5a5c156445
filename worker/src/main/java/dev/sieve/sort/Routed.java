package dev.sieve.sort;

import dev.sieve.avro.ScoredImage;
import dev.sieve.kafka.AvroSerde;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** One copy of a scored image on its way to one bucket topic. Only {@code image} is written; the topic picks the sink. */
public record Routed(String topic, ScoredImage image) {
    private static final AvroSerde<ScoredImage> SCORED = AvroSerde.of(ScoredImage.class);

    /** Writes the image as {@code images.scored} does; nothing reads a {@code Routed} back. */
    public static Serde<Routed> serde() {
        return Serdes.serdeFrom(
                (topic, routed) -> routed == null ? null : SCORED.encode(routed.image()),
                (topic, bytes) -> {
                    throw new UnsupportedOperationException("Routed is written to bucket topics, never read: read a ScoredImage");
                });
    }
}
