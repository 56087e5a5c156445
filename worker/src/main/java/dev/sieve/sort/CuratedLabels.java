package dev.sieve.sort;

import dev.sieve.avro.Correction;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.ScoredImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.TopicReader;
import dev.sieve.model.Head;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The curator's classes: each image's latest scored record and the corrections in force for it, read to the end of
 * {@code images.scored} and {@code images.corrections}. An image's class under a classifier head is the reviewer's
 * correction when there is one (or none: excluded), else the sorter's rule (top label, or with thresholds the matching
 * label of highest probability) — the bucket it is in. What {@code sieve export --dataset} writes and {@code sieve
 * train} learns from.
 */
public final class CuratedLabels {

    /** An image's class under one classifier head. */
    public sealed interface Curated permits Labelled, Excluded, Unlabelled {}

    /** In the bucket of {@code label}, the {@code index}th of the head's labels; corrected when a reviewer put it there. */
    public record Labelled(String label, int index, boolean corrected) implements Curated {}

    /** A reviewer excluded the image from every bucket of the head. */
    public record Excluded() implements Curated {}

    /** No bucket: the rules gave none, or a reviewer named a label the head does not have. */
    public record Unlabelled() implements Curated {}

    private final Map<String, ScoredImage> latest;
    private final Map<String, List<Correction>> corrections;
    private final TagRules rules;

    private CuratedLabels(Map<String, ScoredImage> latest, Map<String, List<Correction>> corrections, TagRules rules) {
        this.latest = latest;
        this.corrections = corrections;
        this.rules = rules;
    }

    /** Reads both topics to their ends, decoding as {@code kafka}'s clients write (with its schema registry, if any). */
    public static CuratedLabels read(TopicReader reader, KafkaSettings kafka, String scoredTopic, String correctionsTopic,
                                     TagRules rules) {
        AvroSerde<ScoredImage> scoredSerde = kafka.serde(ScoredImage.class);
        AvroSerde<Correction> correctionSerde = kafka.serde(Correction.class);
        Map<String, ScoredImage> latest = new LinkedHashMap<>();
        reader.read(Pattern.compile(Pattern.quote(scoredTopic)), r -> decode(scoredSerde, r.value()).ifPresent(i -> {
            ScoredImage earlier = latest.put(i.getRef().getId(), i);
            // A record rescored from embeddings has no perceptual hash (ImageEmbeddings keeps none); the picture is the
            // same, so the worker's hash still holds for near-duplicate groups.
            if (i.getPerceptualHash() == null && earlier != null) i.setPerceptualHash(earlier.getPerceptualHash());
        }));
        Map<String, List<Correction>> corrections = new TreeMap<>();
        reader.read(Pattern.compile(Pattern.quote(correctionsTopic)), r -> {
            if (r.value() == null && r.key() != null) corrections.remove(r.key()); // withdraws the id's corrections
            decode(correctionSerde, r.value()).ifPresent(c -> corrections.computeIfAbsent(c.getId(), k -> new ArrayList<>()).add(c));
        });
        return new CuratedLabels(latest, corrections, rules);
    }

    /** Each image's latest scored record, in the order first seen. */
    public Iterable<ScoredImage> images() {
        return latest.values();
    }

    public Optional<ScoredImage> image(String id) {
        return Optional.ofNullable(latest.get(id));
    }

    /** The image's class under each of its classifier heads, by head name, in the record's head order. */
    public Map<HeadScore, Curated> classes(ScoredImage image) {
        Corrections own = Corrections.of(corrections.getOrDefault(image.getRef().getId(), List.of()));
        List<Match> matches = own.apply(image, rules.matches(image));
        Map<HeadScore, Curated> out = new LinkedHashMap<>();
        for (HeadScore head : image.getHeads()) {
            if (!Head.of(head).exclusiveClasses()) continue;
            Optional<Correction> correction = own.forHead(head);
            if (correction.isPresent() && correction.get().getNewLabel() == null) {
                out.put(head, new Excluded());
                continue;
            }
            List<String> labels = head.getLabels().stream().map(LabelScore::getLabel).toList();
            Optional<Match> best = matches.stream().filter(m -> m.bucket().head().equals(head.getName()))
                    .max((a, b) -> Double.compare(a.probability(), b.probability()));
            int index = best.map(m -> labels.indexOf(m.bucket().label())).orElse(-1);
            out.put(head, index < 0 ? new Unlabelled() : new Labelled(labels.get(index), index, correction.isPresent()));
        }
        return out;
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> Optional<T> decode(AvroSerde<T> serde, byte[] value) {
        if (value == null) return Optional.empty();
        try {
            return Optional.of(serde.decode(value));
        } catch (SerializationException e) {
            return Optional.empty();
        }
    }
}
