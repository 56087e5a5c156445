package dev.sieve.model;

import ai.djl.ndarray.NDArray;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.HeadKind;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A city96 classifier: softmax over its labels, run on each tile and combined across tiles; it tags an image with
 * its top label, and its labels are classes.
 */
public record ClassifierHead(String name, String revision, List<String> labels) implements Head {
    public ClassifierHead {
        labels = List.copyOf(labels);
    }

    @Override
    public HeadKind kind() {
        return HeadKind.CLASSIFIER;
    }

    @Override
    public NDArray decode(NDArray logits) {
        return logits.softmax(1);
    }

    @Override
    public boolean readsTiles() {
        return true;
    }

    @Override
    public boolean readsWholeImage() {
        return false;
    }

    /** Each label's per-tile probabilities combined by {@code rule} (SINGLE for one tile); the top label is tagged. */
    @Override
    public HeadScore score(float[][] outputs, ImageRows rows, CropCombine rule, List<Tag> tags) {
        int count = rows.tileCount();
        CropCombine used = count == 1 ? CropCombine.SINGLE : rule;
        List<LabelScore> labelScores = new ArrayList<>(labels.size());
        int best = 0;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < labels.size(); k++) {
            float[] values = new float[count];
            List<Double> perCrop = new ArrayList<>(count);
            for (int c = 0; c < count; c++) {
                values[c] = outputs[rows.firstTile() + c][k];
                perCrop.add((double) values[c]);
            }
            double value = CropCombination.combine(used, values);
            if (value > bestValue) {
                bestValue = value;
                best = k;
            }
            labelScores.add(new LabelScore(labels.get(k), value, perCrop));
        }
        tags.add(new Tag(name, labels.get(best)));
        return new HeadScore(name, revision, kind(), used, labelScores);
    }

    /** The top label (on a tie the first in label order), unless thresholds replace that rule. */
    @Override
    public List<LabelProbability> ownTags(HeadScore scored, boolean thresholded, List<Double> bands) {
        if (thresholded) return List.of();
        return topLabel(scored).map(top -> List.of(new LabelProbability(top.getLabel(), top.getProbability()))).orElse(List.of());
    }

    private static Optional<LabelScore> topLabel(HeadScore scored) {
        LabelScore top = null;
        for (LabelScore label : scored.getLabels()) {
            // Strictly greater: a tie keeps the earlier label; NaN never wins.
            if (top == null ? !Double.isNaN(label.getProbability()) : label.getProbability() > top.getProbability()) top = label;
        }
        return Optional.ofNullable(top);
    }

    @Override
    public boolean exclusiveClasses() {
        return true;
    }
}
