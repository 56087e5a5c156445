package dev.sieve.export;

import dev.sieve.avro.FailureCode;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.Stage;
import dev.sieve.fetch.FileRoot;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.TopicReader;
import dev.sieve.model.Head;
import dev.sieve.sort.Bucket;
import dev.sieve.sort.BucketNames;
import dev.sieve.sort.Match;
import dev.sieve.sort.NearDuplicateGroups;
import dev.sieve.sort.NearDuplicates;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
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
 *   <li>{@code <id><ext>} for each {@code file:} image under the file root: a symbolic link to the file (default) or a
 *       copy, read through {@link FileRoot} (the worker's rules, applied now). The id makes the name unique and stable
 *       across runs; the extension is the URI's. Names are escaped and bounded by {@link PathSegments}.
 *   <li>{@code manifest.tsv}: {@code id, uri, probability, near_duplicate_group} for every image of the bucket (sorted by
 *       id), whatever its URI; the only trace of an http(s) image unless a {@link RemoteImageFetch} is given. The group
 *       is the id of the image's near-duplicate group ({@link NearDuplicates}, over every image exported): its smallest
 *       id, the image's own when it has no near-duplicate; the same in every bucket.
 * </ul>
 *
 * <p>Each image enters a bucket once: a record whose id the bucket already holds (a re-delivery, or the same image
 * scored again) replaces the earlier one and is counted as a duplicate; a removal marker (a tombstone: key = id, no
 * value, written by the sorter when a correction or a re-score moves the image) takes it out of that bucket again. From {@code images.scored} the latest
 * record of an id decides all its buckets. An existing folder is written into: entries of the same name are
 * replaced, others are left alone. Then {@code report.txt} and {@code report.json} ({@link DistributionReport}), and
 * {@code problems.tsv}: every {@code file:} image that was not placed, with the stage, code and message of why. One
 * bad entry, or one bucket folder that cannot be written, is counted there and the export goes on.
 */
public final class Exporter {
    private static final Logger LOG = LoggerFactory.getLogger(Exporter.class);

    private final ExportConfig config;
    private final KafkaSettings kafka;
    private final AvroSerde<ScoredImage> serde;
    private final PrintStream progress;
    private final BucketWriter writer;
    private final List<ExportProblem> problems = new ArrayList<>();
    private final Map<Bucket, Map<String, BucketEntry>> buckets = new TreeMap<>();
    private final Set<String> foreignTopics = new HashSet<>();
    /**
     * Each id's newest perceptual hash read, from any of its records: one rescored from embeddings carries none, and
     * the picture is the same.
     */
    private final Map<String, Long> hashes = new HashMap<>();
    private long read;
    private long duplicates;
    private long undecodable;
    private long linked;
    private long fetched;
    private long listedOnly;
    private long missing;
    private long removed;
    private long refused;
    private long failed;

    private Exporter(ExportConfig config, KafkaSettings kafka, Optional<RemoteImageFetch> remote, PrintStream progress) {
        this.config = config;
        this.kafka = kafka;
        this.serde = kafka.serde(ScoredImage.class);
        this.progress = progress;
        this.writer = new BucketWriter(config.out(), new FilePlacer(FileRoot.of(config.fileRoot()), config.files()), remote,
                BucketWriter::anyExtension, problems);
    }

    /** Exports without fetching http(s) images (they are listed in manifests) and prints progress to stdout. */
    public static ExportResult run(ExportConfig config, KafkaSettings kafka) {
        return run(config, kafka, Optional.empty(), System.out);
    }

    public static ExportResult run(ExportConfig config, KafkaSettings kafka, Optional<RemoteImageFetch> remote, PrintStream progress) {
        return new Exporter(config, kafka, remote, progress).export();
    }

    private ExportResult export() {
        TopicReader snapshot = new TopicReader(kafka, "sieve-export", config.stallTimeout(), progress);
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
            NearDuplicateGroups groups = nearDuplicates();
            for (Map.Entry<Bucket, Map<String, BucketEntry>> e : buckets.entrySet()) {
                try {
                    writeBucket(e.getKey(), e.getValue(), groups);
                } catch (IOException | RuntimeException bucketFailed) {
                    failed++;
                    problems.add(new ExportProblem(folder(e.getKey()).toString(), "", "", Stage.EMIT, FailureCode.INTERNAL,
                            "cannot write the bucket folder: " + bucketFailed));
                }
            }
            Map<Bucket, Set<String>> ids = new TreeMap<>();
            buckets.forEach((bucket, entries) -> ids.put(bucket, entries.keySet()));
            DistributionReport report = DistributionReport.of(ids);
            Files.writeString(config.out().resolve("report.txt"), report.text(), StandardCharsets.UTF_8);
            Files.writeString(config.out().resolve("report.json"), report.json(), StandardCharsets.UTF_8);
            ExportProblem.writeAll(config.out(), problems);
            progress.printf("wrote %d bucket folders under %s (%d files %s, %d fetched, %d listed only, %d missing, %d refused by the "
                            + "file root, %d failed; %d duplicates, %d removed, %d undecodable)%n",
                    buckets.size(), config.out(), linked, config.files() == ExportConfig.FileMode.COPY ? "copied" : "linked",
                    fetched, listedOnly, missing, refused, failed, duplicates, removed, undecodable);
            if (!problems.isEmpty()) progress.printf("%d images not placed: see %s%n", problems.size(), config.out().resolve("problems.tsv"));
            progress.print(report.text());
            return new ExportResult(config.out(), read, duplicates, undecodable, linked, fetched, listedOnly, missing, removed,
                    refused, failed, problems, report);
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
            Optional<ScoredImage> image = Optional.ofNullable(record.value() == null ? null : serde.decode(record.value()));
            image.filter(i -> i.getPerceptualHash() != null).ifPresent(i -> hashes.put(i.getRef().getId(), i.getPerceptualHash()));
            return image;
        } catch (SerializationException e) {
            undecodable++;
            LOG.warn("skipping {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            return Optional.empty();
        }
    }

    /** The label's probability; for a score band, the score; NaN when the record has no such head. */
    static double probability(ScoredImage image, Bucket bucket) {
        for (HeadScore head : image.getHeads()) {
            if (head.getName().equals(bucket.head())) return Head.of(head).probability(head, bucket.label());
        }
        return Double.NaN;
    }

    /** The bucket's folder, relative to the export's root. */
    private static Path folder(Bucket bucket) {
        return Path.of(PathSegments.of(bucket.head()), PathSegments.of(bucket.label()));
    }

    /** Groups over every image of every bucket, each with its newest hash read. */
    private NearDuplicateGroups nearDuplicates() {
        Set<String> ids = new java.util.TreeSet<>();
        buckets.values().forEach(entries -> ids.addAll(entries.keySet()));
        List<NearDuplicates.Hashed> hashed = new ArrayList<>();
        ids.forEach(id -> hashed.add(new NearDuplicates.Hashed(id, hashes.get(id))));
        NearDuplicateGroups groups = NearDuplicates.group(hashed, config.nearDuplicateDistance());
        long grouped = groups.groups().stream().mapToLong(List::size).sum();
        progress.printf("near-duplicates: %d groups of two or more hold %d of %d images (distance %d; manifest column near_duplicate_group)%n",
                groups.groups().size(), grouped, hashed.size(), config.nearDuplicateDistance());
        return groups;
    }

    private void writeBucket(Bucket bucket, Map<String, BucketEntry> entries, NearDuplicateGroups groups) throws IOException {
        // Sorted by id: partitions interleave differently on every read, and a manifest should not change with them.
        List<BucketWriter.Row> rows = new TreeMap<>(entries).values().stream()
                .map(e -> new BucketWriter.Row(e.id(), e.uri(),
                        List.of(Double.isNaN(e.probability()) ? "" : Double.toString(e.probability()), groups.groupOf(e.id()))))
                .toList();
        writer.write(folder(bucket), List.of("id", "uri", "probability", "near_duplicate_group"), rows).forEach((placement, n) -> {
            switch (placement) {
                case PLACED -> linked += n;
                case FETCHED -> fetched += n;
                case LISTED_ONLY -> listedOnly += n;
                case MISSING -> missing += n;
                case REFUSED -> refused += n;
                case FAILED -> failed += n;
            }
        });
    }
}
