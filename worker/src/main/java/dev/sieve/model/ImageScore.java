package dev.sieve.model;

import dev.sieve.avro.HeadScore;
import dev.sieve.avro.Tag;
import java.util.List;

/**
 * What every head says about one image.
 *
 * @param heads      one entry per head, in the Scorer's head order
 * @param topTags    each classifier head's most probable label (score heads add none)
 * @param inferNanos this image's share of the batch's CLIP and head time, by crop count
 * @param embeds     the CLIP embeddings the heads read, when the scorer keeps them ({@code --embeddings}); else null
 */
public record ImageScore(List<HeadScore> heads, List<Tag> topTags, long inferNanos, ImageEmbeds embeds) {

    public ImageScore {
        heads = List.copyOf(heads);
        topTags = List.copyOf(topTags);
    }

    public ImageScore(List<HeadScore> heads, List<Tag> topTags, long inferNanos) {
        this(heads, topTags, inferNanos, null);
    }
}
