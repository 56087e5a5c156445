package dev.sieve.review;

import dev.sieve.config.Setting;
import dev.sieve.config.Setting.Accepts;
import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import dev.sieve.fetch.FileRoot;
import dev.sieve.kafka.Topics;
import dev.sieve.sort.NearDuplicates;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Options of the review server; its settings (names, defaults, ranges, docs) are {@link #SETTINGS}.
 *
 * @param port TCP port on 127.0.0.1 (the server never listens elsewhere); 0 picks a free one
 * @param thumbnails folder of the thumbnail cache (made once per image and size, kept across runs)
 * @param thumbnailSize longest side of a thumbnail in pixels
 * @param correctionsTopic where marks are published
 * @param reviewer written into every correction
 * @param order the grid's order when the page opens (the page toggles it with {@code o})
 * @param fileRoot the folder {@code file:} images must lie in to get a thumbnail (the worker's {@code --file-root});
 *        null: no thumbnails
 * @param nearDuplicateDistance a bucket's images whose perceptual hashes lie this close (bits) are shown together as
 *        one near-duplicate group ({@link NearDuplicates}); 0: no groups
 */
public record ReviewConfig(int port, Path thumbnails, int thumbnailSize, String correctionsTopic, String reviewer, ReviewOrder order,
                           Path fileRoot, int nearDuplicateDistance) {
    public static final Setting<Integer> PORT = Setting.integer("port", 8377).shortName("-p")
            .accepts(Accepts.between(0, 65535)).doc("Port on 127.0.0.1 (0 = any free port).");
    public static final Setting<Path> THUMBNAIL_CACHE = Setting.path("thumbnail-cache", null)
            .computedDefault("~/.cache/sieve/thumbnails",
                    () -> Path.of(System.getProperty("user.home"), ".cache", "sieve", "thumbnails").toString())
            .doc("Folder where thumbnails are kept (made once per image).");
    public static final Setting<Integer> THUMBNAIL_SIZE = Setting.integer("thumbnail-size", 256)
            .accepts(Accepts.between(16, 2048)).doc("Longest side of a thumbnail, pixels.");
    public static final Setting<String> CORRECTIONS_TOPIC = Setting.text("corrections-topic", Topics.CORRECTIONS)
            .accepts(Accepts.notBlank()).doc("Where marks are published.");
    public static final Setting<String> REVIEWER = Setting.text("reviewer", null)
            .computedDefault("the user's login name", () -> System.getProperty("user.name", ""))
            .doc("Name written into each correction.");
    public static final Setting<ReviewOrder> ORDER = Setting.choice("order", ReviewOrder.CONFIDENT)
            .doc("Grid order when the page opens: CONFIDENT (highest probability first) or BOUNDARY (smallest margin first).");

    public static final Settings SETTINGS = Settings.of("review", PORT, THUMBNAIL_CACHE, THUMBNAIL_SIZE,
            CORRECTIONS_TOPIC, REVIEWER, ORDER, FileRoot.READ_ROOT, NearDuplicates.DISTANCE);

    public ReviewConfig {
        Objects.requireNonNull(thumbnails, "--thumbnail-cache");
        Objects.requireNonNull(order, "--order");
        Objects.requireNonNull(reviewer, "--reviewer");
        PORT.require(port);
        THUMBNAIL_SIZE.require(thumbnailSize);
        CORRECTIONS_TOPIC.require(correctionsTopic);
        NearDuplicates.DISTANCE.require(nearDuplicateDistance);
        FileRoot.of(fileRoot); // a missing folder is an error now, not a page without thumbnails
    }

    public static ReviewConfig of(Values values) {
        Path root = values.get(FileRoot.READ_ROOT);
        return new ReviewConfig(values.get(PORT), values.get(THUMBNAIL_CACHE), values.get(THUMBNAIL_SIZE),
                values.get(CORRECTIONS_TOPIC), values.get(REVIEWER), values.get(ORDER), root == null ? null : root.toAbsolutePath(),
                values.get(NearDuplicates.DISTANCE));
    }

    public static ReviewConfig defaults() {
        return of(SETTINGS.defaults());
    }
}
