package dev.sieve.model;

import ai.djl.ndarray.NDArray;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.HeadKind;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.Tag;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What kind of head a head is, and everything that depends on it: how its outputs are decoded, which labels it tags,
 * how its buckets are named and what probability a bucket of it sorts by. The Avro {@link HeadScore} stays the wire
 * format; a head is built from it ({@link #of(HeadScore)}) or from a loaded head's outputs ({@link #of(String, String,
 * List)}), and nothing else switches on {@link HeadKind}.
 */
public sealed interface Head permits ClassifierHead, ScoreHead, UnknownHead {

    /** The .safetensors file name without extension, e.g. CCAnime-ChromaticAberration-v1.16. */
    String name();

    /** The config's rev, e.g. v1.16; "" without a config. */
    String revision();

    /** Label names in output order; {@code ["score"]} for a score head. */
    List<String> labels();

    /** How the kind is written on the wire. */
    HeadKind kind();

    /** A loaded head: one output is a score head (city96's forward switches on the outputs too), more a classifier. */
    static Head of(String name, String revision, List<String> labels) {
        return labels.size() == 1 ? new ScoreHead(name, revision, labels) : new ClassifierHead(name, revision, labels);
    }

    /** The head a scored record's {@code heads} entry came from. */
    static Head of(HeadScore scored) {
        List<String> labels = scored.getLabels().stream().map(LabelScore::getLabel).toList();
        return switch (scored.getKind()) {
            case CLASSIFIER -> new ClassifierHead(scored.getName(), scored.getRevision(), labels);
            case SCORE -> new ScoreHead(scored.getName(), scored.getRevision(), labels);
            case UNKNOWN_KIND -> new UnknownHead(scored.getName(), scored.getRevision(), labels);
        };
    }

    /** Probabilities (or scores) from the head's last layer, {@code [n, outputs]}. */
    NDArray decode(NDArray logits);

    /** True when the head reads the image's tiles (five crops, or the untiled image). */
    boolean readsTiles();

    /** True when the head reads the untiled image even when the image is tiled. */
    boolean readsWholeImage();

    /**
     * One image's result as the wire record, from the head's output rows for the whole batch.
     *
     * @param rule how the head combines per-crop values, when it does
     * @param tags the image's worker tags: the head adds its own
     */
    HeadScore score(float[][] outputs, ImageRows rows, CropCombine rule, List<Tag> tags);

    /**
     * The tags the head gives by its own rule, besides those thresholds give: a classifier its top label unless
     * thresholds replace it, a score head the band its score falls in when it has bands.
     *
     * @param thresholded whether any of the head's labels has a threshold
     * @param bands       the inner band boundaries for this head, or null
     */
    List<LabelProbability> ownTags(HeadScore scored, boolean thresholded, List<Double> bands);

    /** The label score a bucket of this head sorts by: the bucket's own label, or (score bands) the score. */
    default Optional<LabelScore> sortedBy(HeadScore scored, String bucketLabel) {
        return label(scored, bucketLabel);
    }

    /** The probability a bucket of this head sorts by; NaN when the head has nothing for it. */
    default double probability(HeadScore scored, String bucketLabel) {
        return sortedBy(scored, bucketLabel).map(LabelScore::getProbability).orElse(Double.NaN);
    }

    /** True when the labels are classes an image is exactly one of: a dataset export gives each its folder. */
    default boolean exclusiveClasses() {
        return false;
    }

    /** True when the head's one value sorts into bands (the sorter's {@code --score-bands}). */
    default boolean takesBands() {
        return false;
    }

    /** What {@code sieve score}'s JSON shows for the head: label → probability, in the head's label order. */
    default Object summary(HeadScore scored) {
        Map<String, Double> labels = new LinkedHashMap<>();
        for (LabelScore l : scored.getLabels()) labels.put(l.getLabel(), l.getProbability());
        return labels;
    }

    /** The head's score for {@code label}, if it has that label. */
    static Optional<LabelScore> label(HeadScore scored, String label) {
        for (LabelScore l : scored.getLabels()) if (l.getLabel().equals(label)) return Optional.of(l);
        return Optional.empty();
    }

    /** A tag and the probability it was given with. */
    record LabelProbability(String label, double probability) {}

    /** Where one image's rows lie in a batch's outputs: its tiles, and its untiled crop (-1 when none was run). */
    record ImageRows(int firstTile, int tileCount, int whole) {}
}
