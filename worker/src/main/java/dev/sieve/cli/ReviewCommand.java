package dev.sieve.cli;

import dev.sieve.config.Setting;
import dev.sieve.config.Setting.Accepts;
import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import dev.sieve.export.ExportConfig;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.Topics;
import dev.sieve.review.BucketLoader;
import dev.sieve.review.CorrectionPublisher;
import dev.sieve.review.MovedImages;
import dev.sieve.review.MovedLoader;
import dev.sieve.review.ReviewBuckets;
import dev.sieve.review.ReviewConfig;
import dev.sieve.review.ReviewServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;

/** {@code sieve review}: a local page to look through the buckets and correct them with the keyboard. */
@Command(name = "review", mixinStandardHelpOptions = true, modelTransformer = SettingOptions.Install.class,
        description = {"Serves a review page on http://127.0.0.1:<port>/ over the buckets (read once from the bucket topics, or from a "
                + "folder `sieve export` wrote): per head and label a grid of thumbnails sorted by score, per-crop scores and the five "
                + "crop boxes on hover, a score histogram and the distribution report. Thumbnails only for file: images under --file-root. Keys: j/k or arrows move, a digit N marks "
                + "'should be label N', x excludes the image from the head's buckets; a near-duplicate group (--near-duplicate-distance) "
                + "is shown together, and g then a digit or x marks the whole group. Each mark is published to the corrections topic; "
                + "`sieve sort` moves the image. 'What moved' lists, per classifier head, the images whose top label changed between "
                + "its two newest revisions on the scored topic, with the same keys. Runs until interrupted."})
public final class ReviewCommand extends ConfiguredCommand {
    static final Setting<Path> FROM_EXPORT = Setting.path("from-export", null).noDefault("none (read the bucket topics)")
            .accepts(Accepts.where(Files::isDirectory, "a folder"))
            .doc("Read buckets from this export folder (its manifest.tsv files) instead of the bucket topics.");
    static final Setting<Long> KAFKA_TIMEOUT_MS = Setting.longValue("kafka-timeout-ms", 30_000).accepts(Accepts.atLeast(1L))
            .doc("How long reading the buckets may stall, and how long a mark waits for Kafka.");
    static final Setting<String> SCORED_TOPIC = Setting.text("scored-topic", Topics.SCORED)
            .doc("Where 'what moved' reads the scored records of every head revision.");
    static final Setting<Long> MOVED_MAX_ENTRIES = Setting.longValue("moved-max-entries", 1_000_000).accepts(Accepts.atLeast(0L))
            .paramLabel("N").doc("'What moved' holds at most N (image id, head revision) pairs, about "
                    + MovedLoader.BYTES_PER_ENTRY + " bytes each (two revisions per head are kept); past it the view says "
                    + "it is incomplete. 0: do not read the scored topic (no 'what moved').");

    /** Every setting of {@code sieve review}. */
    static final Settings SETTINGS = Settings.of("review", KafkaSettings.SETTINGS, ReviewConfig.SETTINGS, FROM_EXPORT,
            ExportConfig.BUCKETS, KAFKA_TIMEOUT_MS, SCORED_TOPIC, MOVED_MAX_ENTRIES);

    public ReviewCommand() {
        super(SETTINGS);
    }

    @Override
    public Integer call() throws Exception {
        Values values = values();
        ReviewConfig config;
        try {
            config = ReviewConfig.of(values);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        KafkaSettings kafka = KafkaSettings.of(values);
        Duration timeout = Duration.ofMillis(values.get(KAFKA_TIMEOUT_MS));
        Path fromExport = values.get(FROM_EXPORT);
        ReviewBuckets data = fromExport != null ? BucketLoader.fromExport(fromExport)
                : BucketLoader.fromTopics(kafka, Pattern.compile(values.get(ExportConfig.BUCKETS)), timeout, System.out);
        if (data.isEmpty()) System.out.println("no buckets found: run `sieve sort` first, or give --from-export");
        MovedImages moved = fromExport != null ? MovedImages.none("not available with --from-export (it needs the scored topic)")
                : values.get(MOVED_MAX_ENTRIES) == 0 ? MovedImages.none("off (--moved-max-entries 0)")
                : MovedLoader.fromTopic(kafka, values.get(SCORED_TOPIC), values.get(MOVED_MAX_ENTRIES), timeout, System.out);
        CountDownLatch stop = new CountDownLatch(1);
        try (CorrectionPublisher publisher = new CorrectionPublisher(kafka, config.correctionsTopic(), timeout);
             ReviewServer server = ReviewServer.start(config, data, moved, publisher)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "sieve-review-shutdown"));
            System.out.println("review page: " + server.uri() + "  (Ctrl-C to stop)");
            stop.await();
        }
        return 0;
    }
}
