package dev.sieve.kafka;

/** Names of the topics sieve reads and writes. Buckets are named by {@code dev.sieve.sort.BucketNames}. */
public final class Topics {
    public static final String IN = "images.in";
    public static final String SCORED = "images.scored";
    public static final String FAILED = "images.failed";
    public static final String BUCKET_PREFIX = "images.bucket.";
    /** Reviewers' corrections ({@code Correction}, key = image id); the sorter and the exporter apply them. */
    public static final String CORRECTIONS = "images.corrections";

    private Topics() {}
}
