package dev.sieve.work;

import dev.sieve.avro.ScoredImage;
import dev.sieve.image.PreparedImage;
import dev.sieve.model.ImageScore;
import java.util.List;

/**
 * A record a scored image writes besides its ScoredImage, in the same transaction: the place for a new output per
 * image (CLIP embeddings on their own topic, say). Called once per scored image on the batcher thread, so it must be
 * quick and must not block; what it returns is bounded by the producer's limit like every output (an output over it
 * ends the image as EMIT/TOO_LARGE, with none of its records written).
 */
@FunctionalInterface
public interface SideOutput {

    /**
     * The records for this image (none is fine).
     *
     * @param scored the record images.scored gets (id, dimensions, heads, tags)
     * @param image  the prepared image: its tiles and, for a score head, the untiled crop
     * @param score  what the model said about it, with its share of the inference time
     */
    List<Output> outputs(ScoredImage scored, PreparedImage image, ImageScore score);
}
