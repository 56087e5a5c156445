package dev.sieve.kafka;

import java.util.LinkedHashMap;
import java.util.Map;

/** Names of the topics sieve reads and writes. Buckets are named by {@code dev.sieve.sort.BucketNames}. */
public final class Topics {
    public static final String IN = "images.in";
    public static final String SCORED = "images.scored";
    public static final String FAILED = "images.failed";
    public static final String BUCKET_PREFIX = "images.bucket.";
    /** Reviewers' corrections ({@code Correction}, key = image id); the sorter and the exporter apply them. */
    public static final String CORRECTIONS = "images.corrections";
    /** Each image's CLIP embeddings ({@code ImageEmbeddings}, key = image id, compacted): what rescore and train read. */
    public static final String EMBEDDINGS = "images.embeddings";

    /**
     * In-sync replicas an {@code acks=all} write needs on a topic replicated three times or more: one broker may be
     * down (a rolling restart) and every acknowledged record is still on two. ops/base/topics-job.yaml sets the same.
     */
    public static final int MIN_INSYNC_REPLICAS = 2;

    private Topics() {}

    /**
     * Settings for a topic sieve creates with {@code replication} replicas (0: the broker's default factor): the
     * {@link #MIN_INSYNC_REPLICAS} when there are enough replicas for it, else the broker's default, which a single-broker
     * or two-broker cluster needs to accept writes at all.
     */
    public static Map<String, String> durability(short replication) {
        Map<String, String> configs = new LinkedHashMap<>();
        if (replication > MIN_INSYNC_REPLICAS) configs.put("min.insync.replicas", String.valueOf(MIN_INSYNC_REPLICAS));
        return configs;
    }

    /**
     * Settings for a bucket topic: compacted by image id, because a bucket is "the latest record of each image" and the
     * sorter's removal markers are tombstones; the broker's default (delete after 7 days) would drop the bucket itself.
     */
    public static Map<String, String> bucket(short replication) {
        return compacted(replication);
    }

    /**
     * Settings for {@code images.embeddings}: compacted by image id, because only the latest embeddings of an image
     * matter and, unlike scores, they are not cheap to make again (a fetch and a CLIP pass each).
     */
    public static Map<String, String> embeddings(short replication) {
        return compacted(replication);
    }

    /** The settings sieve gives a topic of its own when it creates it ({@code sieve broker}, the demo, tests). */
    public static Map<String, String> settings(String topic, short replication) {
        return topic.equals(EMBEDDINGS) ? embeddings(replication) : durability(replication);
    }

    private static Map<String, String> compacted(short replication) {
        Map<String, String> configs = new LinkedHashMap<>(durability(replication));
        configs.put("cleanup.policy", "compact");
        return configs;
    }
}
