package dev.sieve.review;

import dev.sieve.avro.HeadKind;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.ScoredImage;
import dev.sieve.export.TopicSnapshot;
import dev.sieve.kafka.AvroSerde;
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
    private static final AvroSerde<ScoredImage> SERDE = AvroSerde.of(ScoredImage.class);

    private BucketLoader() {}

    /**
     * Reads the matching bucket topics from the beginning to their end as of now. A removal marker (tombstone) takes
     * the image out of its bucket again, a later record of the same id replaces an earlier one, as in the exporter.
     */
    public static ReviewBuckets fromTopics(String bootstrap, Pattern topics, Duration stallTimeout, PrintStream progress) {
        Map<Bucket, Map<String, ScoredImage>> latest = new TreeMap<>();
        new TopicSnapshot(bootstrap, stallTimeout, progress).read(topics, record -> {
            Optional<Bucket> bucket = BucketNames.parse(record.topic());
            if (bucket.isEmpty() || record.key() == null) return;
            Map<String, ScoredImage> images = latest.computeIfAbsent(bucket.get(), b -> new LinkedHashMap<>());
            if (record.value() == null) {
                images.remove(record.key());
                return;
            }
            try {
                images.put(record.key(), SERDE.decode(record.value()));
            } catch (SerializationException e) {
                LOG.warn("skipping {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            }
        });
        ReviewBuckets out = new ReviewBuckets();
        latest.forEach((bucket, images) -> images.forEach((id, image) -> out.add(of(bucket, id, image))));
        return out;
    }

    /** What the page needs from one bucket record. */
    public static ReviewImage of(Bucket bucket, String id, ScoredImage image) {
        for (HeadScore head : image.getHeads()) {
            if (!head.getName().equals(bucket.head())) continue;
            List<ReviewImage.LabelProbability> labels = new ArrayList<>();
            LabelScore own = null;
            double best = Double.NEGATIVE_INFINITY;
            for (LabelScore l : head.getLabels()) {
                labels.add(new ReviewImage.LabelProbability(l.getLabel(), l.getProbability()));
                if (l.getLabel().equals(bucket.label())) own = l;
            }
            for (LabelScore l : head.getLabels()) if (l != own) best = Math.max(best, l.getProbability());
            if (own == null && head.getKind() == HeadKind.SCORE && !head.getLabels().isEmpty()) {
                LabelScore score = head.getLabels().get(0);
                // Score bands: the label is a band, not one of the head's labels; the page's digits pick bands.
                return new ReviewImage(id, image.getRef().getUri(), bucket.head(), head.getRevision(), bucket.label(),
                        score.getProbability(), Math.abs(score.getProbability() - 0.5), List.of(), score.getCrops(),
                        CropBox.of(image), image.getWidth(), image.getHeight());
            }
            double p = own == null ? Double.NaN : own.getProbability();
            double margin = own == null ? Double.NaN : best == Double.NEGATIVE_INFINITY ? Math.abs(p - 0.5) : Math.abs(p - best);
            return new ReviewImage(id, image.getRef().getUri(), bucket.head(), head.getRevision(), bucket.label(), p, margin, labels,
                    own == null ? List.of() : own.getCrops(), CropBox.of(image), image.getWidth(), image.getHeight());
        }
        return new ReviewImage(id, image.getRef().getUri(), bucket.head(), "", bucket.label(), Double.NaN, Double.NaN,
                List.of(), List.of(), CropBox.of(image), image.getWidth(), image.getHeight());
    }

    /**
     * Reads {@code <dir>/<head>/<label>/manifest.tsv} as {@code sieve export} writes them. A manifest has no per-label
     * or per-crop scores, so the page shows the probability only, and orders by distance to 0.5 near the boundary.
     */
    public static ReviewBuckets fromExport(Path dir) {
        ReviewBuckets out = new ReviewBuckets();
        try (Stream<Path> heads = Files.list(dir)) {
            for (Path headDir : heads.filter(Files::isDirectory).sorted().toList()) {
                String head = unescape(headDir.getFileName().toString());
                try (Stream<Path> labels = Files.list(headDir)) {
                    for (Path labelDir : labels.filter(p -> Files.isRegularFile(p.resolve("manifest.tsv"))).sorted().toList()) {
                        String label = unescape(labelDir.getFileName().toString());
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

    private static void readManifest(Path manifest, String head, String label, ReviewBuckets out) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(manifest, StandardCharsets.UTF_8)) {
            String line = r.readLine(); // header
            while ((line = r.readLine()) != null) {
                String[] f = line.split("\t", -1);
                if (f.length < 3) continue;
                double p = f[2].isEmpty() ? Double.NaN : Double.parseDouble(f[2]);
                out.add(new ReviewImage(unescapeTsv(f[0]), unescapeTsv(f[1]), head, "", label, p, Math.abs(p - 0.5),
                        List.of(), List.of(), List.of(), 0, 0));
            }
        }
    }

    /** The inverse of the exporter's PathSegments: {@code %XX} back to the character. */
    static String unescape(String segment) {
        StringBuilder out = new StringBuilder(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%' && i + 2 < segment.length()) {
                out.append((char) Integer.parseInt(segment.substring(i + 1, i + 3), 16));
                i += 2;
            } else if (c == '%' && segment.length() == 1) {
                return ""; // PathSegments writes "%" for the empty name
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String unescapeTsv(String field) {
        return field.replace("%09", "\t").replace("%0A", "\n").replace("%0D", "\r");
    }
}
