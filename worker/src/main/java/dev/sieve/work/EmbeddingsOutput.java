package dev.sieve.work;

import dev.sieve.avro.EmbeddingPrecision;
import dev.sieve.avro.ImageEmbeddings;
import dev.sieve.avro.ScoredImage;
import dev.sieve.image.PreparedImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.EmbeddingsRecord;
import dev.sieve.model.ImageScore;
import java.time.Instant;
import java.util.List;

/**
 * {@code sieve work --embeddings}: each scored image's CLIP embeddings (every crop's, and the untiled one's for a tiled
 * image) on {@code images.embeddings}, keyed by id, in the same transaction as its ScoredImage — so exactly once holds
 * for both, and {@code sieve train} / {@code sieve rescore} never see an embedding without its score. Needs a scorer
 * that keeps the embeddings ({@link dev.sieve.model.Scorer#keepsEmbeddings()}).
 */
public final class EmbeddingsOutput implements SideOutput {
    private final String topic;
    private final ClipEmbedder clip;
    private final boolean tiling;
    private final EmbeddingPrecision precision;
    private final AvroSerde<ImageEmbeddings> serde;

    public EmbeddingsOutput(String topic, ClipEmbedder clip, boolean tiling, EmbeddingPrecision precision,
                            AvroSerde<ImageEmbeddings> serde) {
        this.topic = topic;
        this.clip = clip;
        this.tiling = tiling;
        this.precision = precision;
        this.serde = serde;
    }

    @Override
    public List<Output> outputs(ScoredImage scored, PreparedImage image, ImageScore score) {
        if (score.embeds() == null) {
            throw new IllegalStateException("no embeddings with the score of " + scored.getRef().getId()
                    + ": the scorer was not built to keep them");
        }
        ImageEmbeddings record = EmbeddingsRecord.of(scored.getRef(), image.width(), image.height(), clip, tiling,
                score.embeds(), precision, Instant.now());
        return List.of(new Output(topic, scored.getRef().getId(), serde.encode(record)));
    }
}
