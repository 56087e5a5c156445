package dev.sieve.rescore;

import dev.sieve.avro.ClipModel;
import dev.sieve.avro.ImageEmbeddings;
import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.StageTimings;
import dev.sieve.model.ImageScore;
import java.time.Instant;

/** The scored record of an image scored again from its kept embeddings: no fetch, decode or CLIP time. */
public final class RescoredImage {

    private RescoredImage() {
    }

    public static ScoredImage of(ImageEmbeddings embeddings, ImageScore score, String workerId, Instant at) {
        return ScoredImage.newBuilder()
                .setRef(embeddings.getRef())
                .setWidth(embeddings.getWidth())
                .setHeight(embeddings.getHeight())
                .setTiled(embeddings.getTiled())
                .setClip(new ClipModel(embeddings.getClipId(), embeddings.getClipDigest(), embeddings.getPreprocessing().getInputSize()))
                .setHeads(score.heads())
                .setTags(score.topTags())
                .setWorkerId(workerId)
                .setTimings(StageTimings.newBuilder().setInferUs(score.inferNanos() / 1000).setTotalUs(score.inferNanos() / 1000).build())
                .setScoredAt(at)
                .build();
    }
}
