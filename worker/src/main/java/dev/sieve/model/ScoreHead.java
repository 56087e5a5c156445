package dev.sieve.model;

import ai.djl.ndarray.NDArray;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.HeadKind;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.Tag;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/**
 * A city96 score head (an aesthetic predictor): one value {@code (tanh(z)+1)/2} in [0,1], on the untiled image. It
 * tags nothing by itself (its one label would put every image in one bucket); with bands it tags the band its score
 * falls in, and a band's bucket sorts by the score.
 *
 * @param labels its one label ({@code score}); empty only in a record that carries no value
 */
public record ScoreHead(String name, String revision, List<String> labels) implements Head {
    public ScoreHead {
        labels = List.copyOf(labels);
    }

    @Override
    public HeadKind kind() {
        return HeadKind.SCORE;
    }

    @Override
    public NDArray decode(NDArray logits) {
        return logits.tanh().add(1f).div(2f);
    }

    @Override
    public boolean readsTiles() {
        return false;
    }

    @Override
    public boolean readsWholeImage() {
        return true;
    }

    /** The untiled image's score; a score head never tags in the worker. */
    @Override
    public HeadScore score(float[][] outputs, ImageRows rows, CropCombine rule, List<Tag> tags) {
        double value = outputs[rows.whole()][0];
        return new HeadScore(name, revision, kind(), CropCombine.SINGLE,
                List.of(new LabelScore(labels.get(0), value, List.of(value))));
    }

    /** The band the score falls in, when the head has bands; thresholds on {@code score} add to it. */
    @Override
    public List<LabelProbability> ownTags(HeadScore scored, boolean thresholded, List<Double> bands) {
        if (bands == null || scored.getLabels().isEmpty()) return List.of();
        double score = scored.getLabels().get(0).getProbability();
        return Double.isNaN(score) ? List.of() : List.of(new LabelProbability(band(bands, score), score));
    }

    /** A band's bucket (its label is not one of the head's) sorts by the score. */
    @Override
    public Optional<LabelScore> sortedBy(HeadScore scored, String bucketLabel) {
        return Head.label(scored, bucketLabel).or(() -> scored.getLabels().stream().findFirst());
    }

    @Override
    public boolean takesBands() {
        return true;
    }

    /** The score itself. */
    @Override
    public Double summary(HeadScore scored) {
        return scored.getLabels().get(0).getProbability();
    }

    /**
     * The band label for {@code score}, {@code 0.00-0.25}, ... {@code 0.75-1.00}: a band holds its lower bound, the
     * last one 1.0 too; scores below 0 fall in the first band, above 1 in the last.
     */
    public static String band(List<Double> bounds, double score) {
        double lower = 0.0;
        for (double upper : bounds) {
            if (score < upper) return format(lower) + "-" + format(upper);
            lower = upper;
        }
        return format(lower) + "-" + format(1.0);
    }

    private static String format(double bound) {
        BigDecimal d = BigDecimal.valueOf(bound).stripTrailingZeros();
        return d.setScale(Math.max(2, d.scale())).toPlainString();
    }
}
