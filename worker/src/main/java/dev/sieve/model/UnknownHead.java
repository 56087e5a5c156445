package dev.sieve.model;

import ai.djl.ndarray.NDArray;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.HeadKind;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.Tag;
import java.util.List;

/**
 * A head of a kind added after this reader was built ({@code UNKNOWN_KIND} on the wire): its labels and probabilities
 * are read as they are, thresholds tag it, and nothing else does. It is only ever read from a record, never loaded.
 */
public record UnknownHead(String name, String revision, List<String> labels) implements Head {
    public UnknownHead {
        labels = List.copyOf(labels);
    }

    @Override
    public HeadKind kind() {
        return HeadKind.UNKNOWN_KIND;
    }

    @Override
    public NDArray decode(NDArray logits) {
        throw new IllegalStateException("head " + name + " is of a kind this build does not know: it cannot be run");
    }

    @Override
    public boolean readsTiles() {
        return false;
    }

    @Override
    public boolean readsWholeImage() {
        return false;
    }

    @Override
    public HeadScore score(float[][] outputs, ImageRows rows, CropCombine rule, List<Tag> tags) {
        throw new IllegalStateException("head " + name + " is of a kind this build does not know: it cannot be run");
    }

    @Override
    public List<LabelProbability> ownTags(HeadScore scored, boolean thresholded, List<Double> bands) {
        return List.of();
    }
}
