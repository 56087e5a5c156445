package dev.sieve.review;

import dev.sieve.export.DistributionReport;
import dev.sieve.sort.Bucket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The buckets under review, in memory: what the page lists and shows. Marks move images here at once, so the page
 * and the counts follow the reviewer without waiting for the sorter; the topics catch up through images.corrections.
 */
public final class ReviewBuckets {
    private final Map<Bucket, Map<String, ReviewImage>> buckets = new TreeMap<>();
    /** Per head, its labels in the head's own order: the digit keys pick from this list. */
    private final Map<String, List<String>> labelsByHead = new TreeMap<>();

    public synchronized void add(ReviewImage image) {
        List<String> labels = labelsByHead.computeIfAbsent(image.head(), h -> new ArrayList<>());
        if (labels.isEmpty()) image.labels().forEach(l -> labels.add(l.label()));
        if (!labels.contains(image.label())) labels.add(image.label());
        buckets.computeIfAbsent(new Bucket(image.head(), image.label()), b -> new LinkedHashMap<>()).put(image.id(), image);
    }

    /** Declares a head's labels (for a head whose records do not list them, e.g. read from an export folder). */
    public synchronized void addLabel(String head, String label) {
        List<String> labels = labelsByHead.computeIfAbsent(head, h -> new ArrayList<>());
        if (!labels.contains(label)) labels.add(label);
    }

    public synchronized boolean isEmpty() {
        return buckets.isEmpty();
    }

    public synchronized List<String> heads() {
        return List.copyOf(labelsByHead.keySet());
    }

    public synchronized List<String> labels(String head) {
        return List.copyOf(labelsByHead.getOrDefault(head, List.of()));
    }

    public synchronized int count(String head, String label) {
        return buckets.getOrDefault(new Bucket(head, label), Map.of()).size();
    }

    public synchronized List<ReviewImage> images(String head, String label, ReviewOrder order) {
        List<ReviewImage> out = new ArrayList<>(buckets.getOrDefault(new Bucket(head, label), Map.of()).values());
        out.sort(order.comparator());
        return out;
    }

    public synchronized Optional<ReviewImage> find(String head, String label, String id) {
        return Optional.ofNullable(buckets.getOrDefault(new Bucket(head, label), Map.of()).get(id));
    }

    /** Any bucket of {@code head} that holds {@code id}. */
    public synchronized Optional<ReviewImage> find(String head, String id) {
        for (Map.Entry<Bucket, Map<String, ReviewImage>> e : buckets.entrySet()) {
            if (e.getKey().head().equals(head) && e.getValue().containsKey(id)) return Optional.of(e.getValue().get(id));
        }
        return Optional.empty();
    }

    /** Moves the image out of every bucket of its head and, unless {@code newLabel} is null (exclude), into the new label's. */
    public synchronized void move(ReviewImage image, String newLabel) {
        for (Map.Entry<Bucket, Map<String, ReviewImage>> e : buckets.entrySet()) {
            if (e.getKey().head().equals(image.head())) e.getValue().remove(image.id());
        }
        if (newLabel != null) add(image.inBucket(newLabel));
    }

    public synchronized DistributionReport report() {
        Map<Bucket, Set<String>> ids = new TreeMap<>();
        buckets.forEach((bucket, images) -> ids.put(bucket, images.keySet()));
        return DistributionReport.of(ids);
    }

    /** All images, every bucket: for tests and summaries. */
    public synchronized List<ReviewImage> all() {
        List<ReviewImage> out = new ArrayList<>();
        buckets.values().forEach(m -> out.addAll(m.values()));
        return out;
    }
}
