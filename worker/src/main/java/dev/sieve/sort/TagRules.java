package dev.sieve.sort;

import dev.sieve.avro.HeadScore;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.ScoredImage;
import dev.sieve.model.Head;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which buckets an image belongs to, head by head. The seed model card wants "each target aspect [to act] as a
 * tag rather than a class", so one image may carry several tags, from several heads or from one.
 *
 * <ul>
 *   <li><b>Classifier heads without a threshold</b>: the top label (highest probability; on a tie the first in the
 *       head's label order). This is what the worker's own {@code tags} say.
 *   <li><b>Any head with thresholds</b> ({@code HEAD:LABEL=0.7}): the thresholds <i>replace</i> the top-label rule
 *       for that head; its tags are the labels whose probability is at or above their threshold, and its labels
 *       without a threshold are never tagged. So a head can give no tag, or several. A threshold is looked up as
 *       {@code HEAD:LABEL}, then {@code HEAD:*}, then {@code *:LABEL}, then {@code *:*}; a head "has thresholds"
 *       when any of its labels finds one.
 *   <li><b>Score heads</b> (kind SCORE): no tag by default (their single label "score" would put every image in
 *       one bucket). With bands ({@code HEAD=0.25,0.5,0.75}) the score is tagged with the band it falls in, labelled
 *       {@code 0.00-0.25}, {@code 0.25-0.50}, ... {@code 0.75-1.00}; a band holds its lower bound, the last one 1.0
 *       too. A threshold on a score head's {@code score} label works as for any head, in addition to bands.
 * </ul>
 *
 * @param thresholds head name (or {@code *}) to label name (or {@code *}) to the lowest probability, in [0,1], that tags
 * @param scoreBands score head name (or {@code *}) to the inner band boundaries, strictly increasing, inside (0,1)
 */
public record TagRules(Map<String, Map<String, Double>> thresholds, Map<String, List<Double>> scoreBands) {
    public static final String ANY = "*";

    public TagRules {
        Map<String, Map<String, Double>> t = new LinkedHashMap<>();
        thresholds.forEach((head, labels) -> {
            labels.forEach((label, value) -> {
                if (value == null || !(value >= 0.0 && value <= 1.0)) {
                    throw new IllegalArgumentException("--threshold " + head + ":" + label + "=" + value + ": the threshold must lie in [0,1]");
                }
            });
            t.put(head, Map.copyOf(labels));
        });
        thresholds = Map.copyOf(t);
        Map<String, List<Double>> b = new LinkedHashMap<>();
        scoreBands.forEach((head, bounds) -> {
            if (bounds.isEmpty()) throw new IllegalArgumentException("--score-bands " + head + "=: give at least one boundary");
            double previous = 0.0;
            for (Double bound : bounds) {
                if (bound == null || !(bound > previous && bound < 1.0)) {
                    throw new IllegalArgumentException("--score-bands " + head + "=" + bounds
                            + ": boundaries must be strictly increasing and lie strictly between 0 and 1");
                }
                previous = bound;
            }
            b.put(head, List.copyOf(bounds));
        });
        scoreBands = Map.copyOf(b);
    }

    /** The default rule: each classifier's top label, no thresholds, no score bands. */
    public static TagRules defaults() {
        return new TagRules(Map.of(), Map.of());
    }

    /**
     * Reads the command-line forms: thresholds {@code HEAD:LABEL=VALUE} (the label is what follows the first
     * {@code :}, the value what follows the last {@code =}) and bands {@code HEAD=B1,B2,...}.
     */
    public static TagRules parse(List<String> thresholdSpecs, List<String> bandSpecs) {
        Map<String, Map<String, Double>> thresholds = new LinkedHashMap<>();
        for (String spec : thresholdSpecs) {
            int colon = spec.indexOf(':');
            int eq = spec.lastIndexOf('=');
            if (colon <= 0 || eq <= colon + 1 || eq == spec.length() - 1) {
                throw new IllegalArgumentException("--threshold '" + spec + "': expected HEAD:LABEL=VALUE, e.g. CCAnime-Compression-v1.5:JPEG=0.7");
            }
            String head = spec.substring(0, colon);
            String label = spec.substring(colon + 1, eq);
            double value = number("--threshold", spec, spec.substring(eq + 1));
            Double before = thresholds.computeIfAbsent(head, h -> new LinkedHashMap<>()).put(label, value);
            if (before != null) throw new IllegalArgumentException("--threshold '" + spec + "': " + head + ":" + label + " is given twice");
        }
        Map<String, List<Double>> bands = new LinkedHashMap<>();
        for (String spec : bandSpecs) {
            int eq = spec.lastIndexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new IllegalArgumentException("--score-bands '" + spec + "': expected HEAD=B1,B2,..., e.g. aesthetic=0.25,0.5,0.75");
            }
            List<Double> bounds = new ArrayList<>();
            for (String part : spec.substring(eq + 1).split(",", -1)) bounds.add(number("--score-bands", spec, part.trim()));
            if (bands.put(spec.substring(0, eq), bounds) != null) {
                throw new IllegalArgumentException("--score-bands '" + spec + "': head " + spec.substring(0, eq) + " is given twice");
            }
        }
        return new TagRules(thresholds, bands);
    }

    /** Every bucket the image belongs to, head by head in the record's order. */
    public List<Match> matches(ScoredImage image) {
        List<Match> out = new ArrayList<>();
        for (HeadScore head : image.getHeads()) {
            String name = head.getName();
            boolean thresholded = hasThresholds(head);
            if (thresholded) {
                for (LabelScore label : head.getLabels()) {
                    Optional<Double> threshold = threshold(name, label.getLabel());
                    if (threshold.isPresent() && label.getProbability() >= threshold.get()) {
                        out.add(new Match(new Bucket(name, label.getLabel()), label.getProbability()));
                    }
                }
            }
            List<Double> bands = scoreBands.getOrDefault(name, scoreBands.get(ANY));
            for (Head.LabelProbability tag : Head.of(head).ownTags(head, thresholded, bands)) {
                out.add(new Match(new Bucket(name, tag.label()), tag.probability()));
            }
        }
        return out;
    }

    Optional<Double> threshold(String head, String label) {
        Map<String, Double> own = thresholds.getOrDefault(head, Map.of());
        Map<String, Double> any = thresholds.getOrDefault(ANY, Map.of());
        Double t = own.get(label);
        if (t == null) t = own.get(ANY);
        if (t == null) t = any.get(label);
        if (t == null) t = any.get(ANY);
        return Optional.ofNullable(t);
    }

    private boolean hasThresholds(HeadScore head) {
        for (LabelScore label : head.getLabels()) {
            if (threshold(head.getName(), label.getLabel()).isPresent()) return true;
        }
        return false;
    }

    private static double number(String option, String spec, String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " '" + spec + "': '" + text + "' is not a number");
        }
    }
}
