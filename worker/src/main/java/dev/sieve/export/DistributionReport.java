package dev.sieve.export;

import com.google.gson.GsonBuilder;
import dev.sieve.sort.Bucket;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How many images each bucket holds, in the style of the seed model card's "Final dataset score distribution":
 * one line per bucket, {@code name - count} and a bar of {@code floor(40 * count / images)} {@code |} characters
 * (the rule the card's published figures follow: 1805 of 3215 images gives 22 bars), then "Class ratios" per head,
 * where the bar is relative to the images the head tagged. With thresholds an image can be in several buckets of a
 * head, so a head's counts can add up to more than its images.
 *
 * @param totalImages distinct images in any bucket
 * @param buckets every bucket, ordered by head then label
 * @param heads every head, with the distinct images it tagged and its per-label counts
 */
public record DistributionReport(long totalImages, List<BucketCount> buckets, List<HeadCount> heads) {
    /** Bar length for a bucket holding every image, as in the seed card. */
    static final int BAR_WIDTH = 40;

    public record BucketCount(String head, String label, long count, double ratio) {}

    public record LabelCount(String label, long count, double ratio) {}

    public record HeadCount(String head, long images, List<LabelCount> labels) {}

    public DistributionReport {
        buckets = List.copyOf(buckets);
        heads = List.copyOf(heads);
    }

    public static DistributionReport of(Map<Bucket, ? extends Collection<String>> idsByBucket) {
        Map<Bucket, Collection<String>> sorted = new TreeMap<>(idsByBucket);
        Set<String> all = new HashSet<>();
        Map<String, Set<String>> idsByHead = new TreeMap<>();
        for (Map.Entry<Bucket, Collection<String>> e : sorted.entrySet()) {
            all.addAll(e.getValue());
            idsByHead.computeIfAbsent(e.getKey().head(), h -> new HashSet<>()).addAll(e.getValue());
        }
        List<BucketCount> buckets = new ArrayList<>();
        Map<String, List<LabelCount>> labelsByHead = new LinkedHashMap<>();
        for (Map.Entry<Bucket, Collection<String>> e : sorted.entrySet()) {
            Bucket b = e.getKey();
            long count = e.getValue().size();
            buckets.add(new BucketCount(b.head(), b.label(), count, ratio(count, all.size())));
            labelsByHead.computeIfAbsent(b.head(), h -> new ArrayList<>())
                    .add(new LabelCount(b.label(), count, ratio(count, idsByHead.get(b.head()).size())));
        }
        List<HeadCount> heads = new ArrayList<>();
        labelsByHead.forEach((head, labels) -> heads.add(new HeadCount(head, idsByHead.get(head).size(), labels)));
        return new DistributionReport(all.size(), buckets, heads);
    }

    public String text() {
        StringBuilder s = new StringBuilder();
        s.append("Final dataset score distribution:\n");
        s.append(totalImages).append(" images in dataset.\n");
        for (BucketCount b : buckets) s.append(line(b.head() + "/" + b.label(), b.count(), totalImages)).append('\n');
        s.append("Class ratios:\n");
        for (HeadCount h : heads) {
            s.append(h.head()).append(" (").append(h.images()).append(" images):\n");
            for (LabelCount l : h.labels()) s.append("  ").append(line(l.label(), l.count(), h.images())).append('\n');
        }
        return s.toString();
    }

    public String json() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("total_images", totalImages);
        root.put("buckets", buckets);
        root.put("heads", heads);
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(root) + "\n";
    }

    /** One line in the seed card's format, {@code 0_reg_booru - 1805 ||||...}; no trailing space when there is no bar. */
    static String line(String name, long count, long denominator) {
        String bar = "|".repeat(bars(count, denominator));
        return name + " - " + count + (bar.isEmpty() ? "" : " " + bar);
    }

    static int bars(long count, long denominator) {
        return denominator <= 0 ? 0 : (int) (BAR_WIDTH * count / denominator);
    }

    private static double ratio(long count, long denominator) {
        return denominator <= 0 ? 0.0 : (double) count / denominator;
    }
}
