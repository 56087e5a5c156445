package dev.sieve.sort;

import java.util.Objects;

/** One (head, label) bucket: an image tagged with {@code label} by {@code head} belongs here. */
public record Bucket(String head, String label) implements Comparable<Bucket> {
    public Bucket {
        Objects.requireNonNull(head, "head");
        Objects.requireNonNull(label, "label");
        if (head.isEmpty()) throw new IllegalArgumentException("bucket head must not be empty (label '" + label + "')");
        if (label.isEmpty()) throw new IllegalArgumentException("bucket label must not be empty (head '" + head + "')");
    }

    /** The Kafka topic of this bucket, see {@link BucketNames}. */
    public String topic() {
        return BucketNames.topic(this);
    }

    @Override
    public int compareTo(Bucket o) {
        int c = head.compareTo(o.head);
        return c != 0 ? c : label.compareTo(o.label);
    }

    @Override
    public String toString() {
        return head + "/" + label;
    }
}
