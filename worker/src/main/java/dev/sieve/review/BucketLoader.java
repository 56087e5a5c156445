package dev.sieve.review;

import dev.sieve.avro.HeadScore;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.ScoredImage;
import dev.sieve.export.PathSegments;
import dev.sieve.kafka.TopicReader;
import dev.sieve.export.TsvFields;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.model.Head;
import dev.sieve.sort.Bucket;
import dev.sieve.sort.BucketNames;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Fills {@link ReviewBuckets} from bucket topics (as the exporter reads them) or from a folder {@code sieve export} wrote. */
public final class BucketLoader {
    private static final Logger LOG = LoggerFactory.getLogger(BucketLoader.class);

    private BucketLoader() {}

    /**
     * Reads the matching bucket topics from the beginning to their end as of now. A removal marker (tombstone) takes
     * the image out of its bucket again, a later record of the same id replaces an earlier one, as in the exporter.
     */
    public static ReviewBuckets fromTopics(KafkaSettings kafka, Pattern topics, Duration stallTimeout, PrintStream progress) {
        AvroSerde<ScoredImage> serde = kafka.serde(ScoredImage.class);
        Map<Bucket, Map<String, ScoredImage>> latest = new TreeMap<>();
        // Each id's newest perceptual hash from any record: one rescored from embeddings has none (the picture is the same).
        Map<String, Long> hashes = new java.util.HashMap<>();
        new TopicReader(kafka, "sieve-export", stallTimeout, progress).read(topics, record -> {
            Optional<Bucket> bucket = BucketNames.parse(record.topic());
            if (bucket.isEmpty() || record.key() == null) return;
            Map<String, ScoredImage> images = latest.computeIfAbsent(bucket.get(), b -> new LinkedHashMap<>());
            if (record.value() == null) {
                images.remove(record.key());
                return;
            }
            try {
                ScoredImage image = serde.decode(record.value());
                if (image.getPerceptualHash() != null) hashes.put(record.key(), image.getPerceptualHash());
                images.put(record.key(), image);
            } catch (SerializationException e) {
                LOG.warn("skipping {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            }
        });
        ReviewBuckets out = new ReviewBuckets();
        latest.forEach((bucket, images) -> images.forEach((id, image) -> {
            if (image.getPerceptualHash() == null) image.setPerceptualHash(hashes.get(id));
            out.add(of(bucket, id, image));
        }));
        return out;
    }

    /** What the page needs from one bucket record. */
    public static ReviewImage of(Bucket bucket, String id, ScoredImage image) {
        for (HeadScore head : image.getHeads()) {
            if (!head.getName().equals(bucket.head())) continue;
            LabelScore own = Head.label(head, bucket.label()).orElse(null);
            Optional<LabelScore> sortedBy = Head.of(head).sortedBy(head, bucket.label());
            if (own == null && sortedBy.isPresent()) {
                LabelScore score = sortedBy.get();
                // A bucket the head names but that is none of its labels (a score band): the page's digits pick bands.
                return new ReviewImage(id, image.getRef().getUri(), bucket.head(), head.getRevision(), bucket.label(),
                        score.getProbability(), Math.abs(score.getProbability() - 0.5), List.of(), score.getCrops(),
                        CropBox.of(image), image.getWidth(), image.getHeight(), image.getPerceptualHash());
            }
            List<ReviewImage.LabelProbability> labels = new ArrayList<>();
            double best = Double.NEGATIVE_INFINITY;
            for (LabelScore l : head.getLabels()) {
                labels.add(new ReviewImage.LabelProbability(l.getLabel(), l.getProbability()));
                if (l != own) best = Math.max(best, l.getProbability());
            }
            double p = own == null ? Double.NaN : own.getProbability();
            double margin = own == null ? Double.NaN : best == Double.NEGATIVE_INFINITY ? Math.abs(p - 0.5) : Math.abs(p - best);
            return new ReviewImage(id, image.getRef().getUri(), bucket.head(), head.getRevision(), bucket.label(), p, margin, labels,
                    own == null ? List.of() : own.getCrops(), CropBox.of(image), image.getWidth(), image.getHeight(),
                    image.getPerceptualHash());
        }
        return new ReviewImage(id, image.getRef().getUri(), bucket.head(), "", bucket.label(), Double.NaN, Double.NaN,
                List.of(), List.of(), CropBox.of(image), image.getWidth(), image.getHeight(), image.getPerceptualHash());
    }

    /**
     * Reads {@code <dir>/<head>/<label>/manifest.tsv} as {@code sieve export} writes them. A manifest has no per-label
     * or per-crop scores, so the page shows the probability only, and orders by distance to 0.5 near the boundary; its
     * near-duplicate groups are the export's (the {@code near_duplicate_group} column).
     */
    public static ReviewBuckets fromExport(Path dir) {
        ReviewBuckets out = new ReviewBuckets();
        try (Stream<Path> heads = Files.list(dir)) {
            for (Path headDir : heads.filter(Files::isDirectory).sorted().toList()) {
                String head = PathSegments.unescape(headDir.getFileName().toString());
                try (Stream<Path> labels = Files.list(headDir)) {
                    for (Path labelDir : labels.filter(p -> Files.isRegularFile(p.resolve("manifest.tsv"))).sorted().toList()) {
                        String label = PathSegments.unescape(labelDir.getFileName().toString());
                        out.addLabel(head, label);
                        readManifest(labelDir.resolve("manifest.tsv"), head, label, out);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the export folder " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * One manifest, as {@link TsvFields} wrote it. A row that is not one (too few fields, a probability that is not a
     * number) is read as far as it goes or skipped with a warning: a hand-edited or foreign file never stops the page.
     */
    private static void readManifest(Path manifest, String head, String label, ReviewBuckets out) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(manifest, StandardCharsets.UTF_8)) {
            String line = r.readLine(); // header
            int skipped = 0;
            while ((line = r.readLine()) != null) {
                List<String> f = TsvFields.split(line);
                if (f.size() < 2) {
                    if (!line.isEmpty()) skipped++;
                    continue;
                }
                double p = f.size() < 3 ? Double.NaN : probability(f.get(2));
                String group = f.size() < 4 || f.get(3).isEmpty() ? null : f.get(3); // near_duplicate_group, newer exports
                out.add(new ReviewImage(f.get(0), f.get(1), head, "", label, p, Math.abs(p - 0.5),
                        List.of(), List.of(), List.of(), 0, 0, null, group));
            }
            if (skipped > 0) LOG.warn("{}: {} rows skipped (fewer than two fields)", manifest, skipped);
        }
    }

    /** NaN (unknown) for an empty or unreadable value. */
    private static double probability(String field) {
        try {
            return field.isEmpty() ? Double.NaN : Double.parseDouble(field);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
