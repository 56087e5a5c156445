package dev.sieve.review;

import dev.sieve.fetch.FileRoot;
import dev.sieve.kafka.Topics;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Options of the review server.
 *
 * @param port TCP port on 127.0.0.1 (the server never listens elsewhere); 0 picks a free one
 * @param thumbnails folder of the thumbnail cache (made once per image and size, kept across runs)
 * @param thumbnailSize longest side of a thumbnail in pixels
 * @param correctionsTopic where marks are published
 * @param reviewer written into every correction
 * @param order the grid's order when the page opens (the page toggles it with {@code o})
 * @param fileRoot the folder {@code file:} images must lie in to get a thumbnail (the worker's {@code --file-root});
 *        null: no thumbnails
 */
public record ReviewConfig(int port, Path thumbnails, int thumbnailSize, String correctionsTopic, String reviewer, ReviewOrder order,
                           Path fileRoot) {
    public ReviewConfig {
        Objects.requireNonNull(thumbnails, "--thumbnail-cache");
        Objects.requireNonNull(order, "--order");
        Objects.requireNonNull(reviewer, "--reviewer");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port " + port + ": must be in 0..65535 (0 = any free port)");
        if (thumbnailSize < 16 || thumbnailSize > 2048) throw new IllegalArgumentException("--thumbnail-size " + thumbnailSize + ": must be in 16..2048");
        if (correctionsTopic == null || correctionsTopic.isBlank()) throw new IllegalArgumentException("--corrections-topic must not be empty");
        FileRoot.of(fileRoot); // a missing folder is an error now, not a page without thumbnails
    }

    public static ReviewConfig defaults() {
        return new ReviewConfig(8377, Path.of(System.getProperty("user.home"), ".cache", "sieve", "thumbnails"), 256,
                Topics.CORRECTIONS, System.getProperty("user.name", ""), ReviewOrder.CONFIDENT, null);
    }

    public ReviewConfig withPort(int port) {
        return new ReviewConfig(port, thumbnails, thumbnailSize, correctionsTopic, reviewer, order, fileRoot);
    }

    public ReviewConfig withThumbnails(Path thumbnails) {
        return new ReviewConfig(port, thumbnails, thumbnailSize, correctionsTopic, reviewer, order, fileRoot);
    }

    public ReviewConfig withCorrectionsTopic(String correctionsTopic) {
        return new ReviewConfig(port, thumbnails, thumbnailSize, correctionsTopic, reviewer, order, fileRoot);
    }

    public ReviewConfig withFileRoot(Path fileRoot) {
        return new ReviewConfig(port, thumbnails, thumbnailSize, correctionsTopic, reviewer, order, fileRoot);
    }
}
