package dev.sieve.cli;

import dev.sieve.export.ExportConfig;
import dev.sieve.kafka.Topics;
import dev.sieve.review.BucketLoader;
import dev.sieve.review.CorrectionPublisher;
import dev.sieve.review.MovedImages;
import dev.sieve.review.MovedLoader;
import dev.sieve.review.ReviewBuckets;
import dev.sieve.review.ReviewConfig;
import dev.sieve.review.ReviewOrder;
import dev.sieve.review.ReviewServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sieve review}: a local page to look through the buckets and correct them with the keyboard. */
@Command(name = "review", mixinStandardHelpOptions = true,
        description = {"Serves a review page on http://127.0.0.1:<port>/ over the buckets (read once from the bucket topics, or from a "
                + "folder `sieve export` wrote): per head and label a grid of thumbnails sorted by score, per-crop scores and the five "
                + "crop boxes on hover, a score histogram and the distribution report. Thumbnails only for file: images under --file-root. Keys: j/k or arrows move, a digit N marks "
                + "'should be label N', x excludes the image from the head's buckets. Each mark is published to the corrections topic; "
                + "`sieve sort` moves the image. 'What moved' lists, per classifier head, the images whose top label changed between "
                + "its two newest revisions on the scored topic, with the same keys. Runs until interrupted."})
public final class ReviewCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    FileRootOption fileRoot;

    @Option(names = {"-p", "--port"}, defaultValue = "8377", description = "Port on 127.0.0.1 (0 = any free port). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--from-export", description = "Read buckets from this export folder (its manifest.tsv files) instead of the bucket topics.")
    Path fromExport;

    @Option(names = "--buckets", defaultValue = ExportConfig.ALL_BUCKETS,
            description = "Regular expression of the bucket topics to read (whole names). Default: ${DEFAULT-VALUE}.")
    String buckets;

    @Option(names = "--scored-topic", defaultValue = Topics.SCORED,
            description = "Where 'what moved' reads the scored records of every head revision. Default: ${DEFAULT-VALUE}.")
    String scoredTopic;

    @Option(names = "--moved-max-entries", paramLabel = "N", defaultValue = "1000000",
            description = {"'What moved' holds at most N (image id, head revision) pairs, about " + MovedLoader.BYTES_PER_ENTRY
                    + " bytes each (two revisions per head are kept); past it the view says it is incomplete. 0: do not read",
                    "the scored topic (no 'what moved'). Default: ${DEFAULT-VALUE}."})
    long movedMaxEntries;

    @Option(names = "--corrections-topic", defaultValue = Topics.CORRECTIONS, description = "Where marks are published. Default: ${DEFAULT-VALUE}.")
    String correctionsTopic;

    @Option(names = "--reviewer", defaultValue = "${sys:user.name}", description = "Name written into each correction. Default: ${DEFAULT-VALUE}.")
    String reviewer;

    @Option(names = "--order", defaultValue = "CONFIDENT",
            description = "Grid order when the page opens: CONFIDENT (highest probability first) or BOUNDARY (smallest margin first). Default: ${DEFAULT-VALUE}.")
    ReviewOrder order;

    @Option(names = "--thumbnail-cache", defaultValue = "${sys:user.home}/.cache/sieve/thumbnails",
            description = "Folder where thumbnails are kept (made once per image). Default: ${DEFAULT-VALUE}.")
    Path thumbnailCache;

    @Option(names = "--thumbnail-size", defaultValue = "256", description = "Longest side of a thumbnail, pixels. Default: ${DEFAULT-VALUE}.")
    int thumbnailSize;

    @Option(names = "--kafka-timeout-ms", defaultValue = "30000",
            description = "How long reading the buckets may stall, and how long a mark waits for Kafka. Default: ${DEFAULT-VALUE}.")
    long kafkaTimeoutMs;

    ReviewConfig config() {
        try {
            if (movedMaxEntries < 0) throw new IllegalArgumentException("--moved-max-entries " + movedMaxEntries + ": must be ≥ 0");
            if (kafkaTimeoutMs < 1) throw new IllegalArgumentException("--kafka-timeout-ms " + kafkaTimeoutMs + ": must be > 0");
            if (fromExport != null && !Files.isDirectory(fromExport)) throw new IllegalArgumentException("--from-export " + fromExport + " is not a folder");
            return new ReviewConfig(port, thumbnailCache, thumbnailSize, correctionsTopic, reviewer, order, fileRoot.folder());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    private Pattern bucketPattern() {
        try {
            return Pattern.compile(buckets);
        } catch (PatternSyntaxException e) {
            throw new ParameterException(spec.commandLine(), "--buckets '" + buckets + "': not a regular expression: " + e.getDescription());
        }
    }

    @Override
    public Integer call() throws Exception {
        ReviewConfig config = config();
        Duration timeout = Duration.ofMillis(kafkaTimeoutMs);
        ReviewBuckets data = fromExport != null ? BucketLoader.fromExport(fromExport)
                : BucketLoader.fromTopics(kafka.bootstrapServers, bucketPattern(), timeout, System.out);
        if (data.isEmpty()) System.out.println("no buckets found: run `sieve sort` first, or give --from-export");
        MovedImages moved = fromExport != null ? MovedImages.none("not available with --from-export (it needs the scored topic)")
                : movedMaxEntries == 0 ? MovedImages.none("off (--moved-max-entries 0)")
                : MovedLoader.fromTopic(kafka.bootstrapServers, scoredTopic, movedMaxEntries, timeout, System.out);
        CountDownLatch stop = new CountDownLatch(1);
        try (CorrectionPublisher publisher = new CorrectionPublisher(kafka.bootstrapServers, config.correctionsTopic(), timeout);
             ReviewServer server = ReviewServer.start(config, data, moved, publisher)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "sieve-review-shutdown"));
            System.out.println("review page: " + server.uri() + "  (Ctrl-C to stop)");
            stop.await();
        }
        return 0;
    }
}
