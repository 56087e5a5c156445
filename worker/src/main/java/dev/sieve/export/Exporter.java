package dev.sieve.export;

import dev.sieve.avro.HeadKind;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.ScoredImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.sort.Bucket;
import dev.sieve.sort.BucketNames;
import dev.sieve.sort.Match;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Materialises buckets as folders: reads bucket topics (or {@code images.scored}, tagging with the sorter's rules)
 * once, from the beginning to the end offsets at start, and writes {@code <out>/<head>/<label>/}:
 *
 * <ul>
 *   <li>{@code <id><ext>} for each {@code file:} image: a symbolic link to the file (default) or a copy. The id makes
 *       the name unique and stable across runs; the extension is the URI's. Names are escaped by {@link PathSegments}.
 *   <li>{@code manifest.tsv}: {@code id, uri, probability} for every image of the bucket (sorted by id), whatever its URI; the only
 *       trace of an http(s) image unless a {@link RemoteImageFetch} is given.
 * </ul>
 *
 * <p>Each image enters a bucket once: a record whose id the bucket already holds (a re-delivery, or the same image
 * scored again) replaces the earlier one and is counted as a duplicate; a removal marker (a tombstone: key = id, no
 * value, written by the sorter when a correction or a re-score moves the image) takes it out of that bucket again. From {@code images.scored} the latest
 * record of an id decides all its buckets. An existing folder is written into: entries of the same name are
 * replaced, others are left alone. Then {@code report.txt} and {@code report.json} ({@link DistributionReport}).
 */
public final class Exporter {
    private static final Logger LOG = LoggerFactory.getLogger(Exporter.class);
    private static final AvroSerde<ScoredImage> SERDE = AvroSerde.of(ScoredImage.class);

    private final ExportConfig config;
    private final Optional<RemoteImageFetch> remote;
    private final PrintStream progress;
    private final Map<Bucket, Map<String, BucketEntry>> buckets = new TreeMap<>();
    private final Set<String> foreignTopics = new HashSet<>();
    private long read;
    private long duplicates;
    private long undecodable;
    private long linked;
    private long fetched;
    private long listedOnly;
    private long missing;
    private long removed;

    private Exporter(ExportConfig config, Optional<RemoteImageFetch> remote, PrintStream progress) {
        this.config = config;
        this.remote = remote;
        this.progress = progress;
    }

    /** Exports without fetching http(s) images (they are listed in manifests) and prints progress to stdout. */
    public static ExportResult run(ExportConfig config, String bootstrap) {
        return run(config, bootstrap, Optional.empty(), System.out);
    }

    public static ExportResult run(ExportConfig config, String bootstrap, Optional<RemoteImageFetch> remote, PrintStream progress) {
        return new Exporter(config, remote, progress).export(bootstrap);
    }

    private ExportResult export(String bootstrap) {
        TopicSnapshot snapshot = new TopicSnapshot(bootstrap, config.stallTimeout(), progress);
        if (config.fromScored()) {
            Map<String, ScoredImage> latest = new LinkedHashMap<>();
            read = snapshot.read(Pattern.compile(Pattern.quote(config.scoredTopic())), record -> decode(record).ifPresent(image -> {
                if (latest.put(image.getRef().getId(), image) != null) duplicates++;
            }));
            for (ScoredImage image : latest.values()) {
                for (Match m : config.rules().matches(image)) {
                    buckets.computeIfAbsent(m.bucket(), b -> new LinkedHashMap<>())
                            .put(image.getRef().getId(), new BucketEntry(image.getRef().getId(), image.getRef().getUri(), m.probability()));
                }
            }
        } else {
            read = snapshot.read(config.buckets(), this::addBucketRecord);
        }
        try {
            Files.createDirectories(config.out());
            for (Map.Entry<Bucket, Map<String, BucketEntry>> e : buckets.entrySet()) writeBucket(e.getKey(), e.getValue());
            Map<Bucket, Set<String>> ids = new TreeMap<>();
            buckets.forEach((bucket, entries) -> ids.put(bucket, entries.keySet()));
            DistributionReport report = DistributionReport.of(ids);
            Files.writeString(config.out().resolve("report.txt"), report.text(), StandardCharsets.UTF_8);
            Files.writeString(config.out().resolve("report.json"), report.json(), StandardCharsets.UTF_8);
            progress.printf("wrote %d bucket folders under %s (%d files %s, %d fetched, %d listed only, %d missing; %d duplicates, %d removed, %d undecodable)%n",
                    buckets.size(), config.out(), linked, config.files() == ExportConfig.FileMode.COPY ? "copied" : "linked",
                    fetched, listedOnly, missing, duplicates, removed, undecodable);
            progress.print(report.text());
            return new ExportResult(config.out(), read, duplicates, undecodable, linked, fetched, listedOnly, missing, removed, report);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the export under " + config.out() + ": " + e.getMessage(), e);
        }
    }

    private void addBucketRecord(ConsumerRecord<String, byte[]> record) {
        Optional<Bucket> bucket = BucketNames.parse(record.topic());
        if (bucket.isEmpty()) {
            if (foreignTopics.add(record.topic())) progress.printf("  skipping %s: not a bucket topic name%n", record.topic());
            undecodable++;
            return;
        }
        if (record.value() == null) {
            // The sorter's removal marker: the image left this bucket (a correction, or a re-score that changed its label).
            Map<String, BucketEntry> entries = buckets.get(bucket.get());
            if (record.key() != null && entries != null && entries.remove(record.key()) != null) removed++;
            return;
        }
        decode(record).ifPresent(image -> {
            String id = image.getRef().getId();
            BucketEntry entry = new BucketEntry(id, image.getRef().getUri(), probability(image, bucket.get()));
            if (buckets.computeIfAbsent(bucket.get(), b -> new LinkedHashMap<>()).put(id, entry) != null) duplicates++;
        });
    }

    private Optional<ScoredImage> decode(ConsumerRecord<String, byte[]> record) {
        try {
            return Optional.ofNullable(record.value() == null ? null : SERDE.decode(record.value()));
        } catch (SerializationException e) {
            undecodable++;
            LOG.warn("skipping {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            return Optional.empty();
        }
    }

    /** The label's probability; for a score band, the score; NaN when the record has no such head. */
    static double probability(ScoredImage image, Bucket bucket) {
        for (HeadScore head : image.getHeads()) {
            if (!head.getName().equals(bucket.head())) continue;
            for (LabelScore label : head.getLabels()) {
                if (label.getLabel().equals(bucket.label())) return label.getProbability();
            }
            if (head.getKind() == HeadKind.SCORE && !head.getLabels().isEmpty()) return head.getLabels().get(0).getProbability();
        }
        return Double.NaN;
    }

    private void writeBucket(Bucket bucket, Map<String, BucketEntry> entries) throws IOException {
        Path dir = config.out().resolve(PathSegments.of(bucket.head())).resolve(PathSegments.of(bucket.label()));
        Files.createDirectories(dir);
        try (Writer manifest = Files.newBufferedWriter(dir.resolve("manifest.tsv"), StandardCharsets.UTF_8)) {
            manifest.write("id\turi\tprobability\n");
            // Sorted by id: partitions interleave differently on every read, and a manifest should not change with them.
            for (BucketEntry entry : new TreeMap<>(entries).values()) {
                manifest.write(tsv(entry.id()) + "\t" + tsv(entry.uri()) + "\t"
                        + (Double.isNaN(entry.probability()) ? "" : Double.toString(entry.probability())) + "\n");
                place(dir, entry);
            }
        }
    }

    private void place(Path dir, BucketEntry entry) {
        URI uri;
        try {
            uri = URI.create(entry.uri());
        } catch (IllegalArgumentException e) {
            missing++;
            return;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        Path target = dir.resolve(PathSegments.of(entry.id()) + PathSegments.extension(uri.getPath()));
        switch (scheme) {
            case "file" -> {
                Path source = Path.of(uri).toAbsolutePath();
                if (!Files.isRegularFile(source)) {
                    missing++;
                    LOG.warn("{} in {}: {} does not exist, listed in the manifest only", entry.id(), dir, source);
                    return;
                }
                try {
                    Files.deleteIfExists(target);
                    if (config.files() == ExportConfig.FileMode.COPY) {
                        Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                    } else {
                        Files.createSymbolicLink(target, source);
                    }
                    linked++;
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot place " + source + " at " + target + ": " + e.getMessage(), e);
                }
            }
            case "http", "https" -> {
                if (remote.isEmpty()) {
                    listedOnly++;
                    return;
                }
                try {
                    remote.get().fetchTo(uri, target);
                    fetched++;
                } catch (IOException | RuntimeException e) {
                    listedOnly++;
                    LOG.warn("{}: fetching {} failed, listed in the manifest only: {}", entry.id(), uri, e.getMessage());
                }
            }
            default -> missing++;
        }
    }

    private static String tsv(String field) {
        return field.replace("\t", "%09").replace("\n", "%0A").replace("\r", "%0D");
    }
}
