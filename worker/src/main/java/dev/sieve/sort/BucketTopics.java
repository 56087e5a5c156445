package dev.sieve.sort;

/**
 * Makes bucket topics exist before the sorter writes to them: a Kafka Streams sink with a dynamic topic name
 * does not create topics, and a producer sending to a missing topic waits for it until {@code max.block.ms}.
 */
public interface BucketTopics extends AutoCloseable {

    /**
     * Returns once {@code topic} exists (creating it if needed).
     *
     * @throws IllegalArgumentException when the topic cannot exist because its name clashes with another bucket's
     */
    void ensure(Bucket bucket, String topic);

    @Override
    default void close() {}

    /** For topics created beforehand (and for TopologyTestDriver, which needs none): does nothing. */
    static BucketTopics preCreated() {
        return (bucket, topic) -> {};
    }
}
