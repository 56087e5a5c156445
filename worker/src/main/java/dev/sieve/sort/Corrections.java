package dev.sieve.sort;

import dev.sieve.avro.Correction;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.ScoredImage;
import dev.sieve.model.Head;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The reviewers' corrections in force for one image, by head family ({@link HeadFamily}). A correction replaces
 * whatever the tag rules say for every head of its family: the image goes to the corrected label's bucket only, or
 * (new label null) to none of that head's buckets. Heads without a correction keep the rules' buckets.
 */
public record Corrections(Map<String, Correction> byFamily) {
    public Corrections {
        byFamily = Map.copyOf(byFamily);
    }

    public static Corrections none() {
        return new Corrections(Map.of());
    }

    /** The latest correction per family wins: {@code corrections} in the order they were made. */
    public static Corrections of(Iterable<Correction> corrections) {
        Map<String, Correction> byFamily = new TreeMap<>();
        for (Correction c : corrections) byFamily.put(family(c), c);
        return new Corrections(byFamily);
    }

    public static String family(Correction c) {
        return HeadFamily.of(c.getHead(), c.getHeadRevision());
    }

    public boolean isEmpty() {
        return byFamily.isEmpty();
    }

    public Optional<Correction> forHead(HeadScore head) {
        return Optional.ofNullable(byFamily.get(HeadFamily.of(head.getName(), head.getRevision())));
    }

    /**
     * {@code ruleMatches} (what {@link TagRules#matches} said) with the corrections applied, heads in the record's
     * order. A corrected match's probability is the model's probability for the new label (NaN when the head has no
     * such label: a reviewer may name a label the head does not know).
     */
    public List<Match> apply(ScoredImage image, List<Match> ruleMatches) {
        if (byFamily.isEmpty()) return ruleMatches;
        List<Match> out = new ArrayList<>();
        for (HeadScore head : image.getHeads()) {
            Optional<Correction> correction = forHead(head);
            if (correction.isEmpty()) {
                for (Match m : ruleMatches) if (m.bucket().head().equals(head.getName())) out.add(m);
            } else if (correction.get().getNewLabel() != null) {
                String label = correction.get().getNewLabel();
                out.add(new Match(new Bucket(head.getName(), label), Head.label(head, label).map(LabelScore::getProbability).orElse(Double.NaN)));
            }
        }
        return out;
    }
}
