package dev.sieve.status;

import dev.sieve.kafka.Topics;
import java.time.Duration;

/**
 * What {@code sieve status} looks at.
 *
 * @param group         the workers' consumer group
 * @param inputTopic    the topic the workers consume
 * @param failedTopic   where failed images go
 * @param bucketPrefix  bucket topics are every topic whose name starts with this
 * @param window        throughput is the committed-offset growth over this window (the command waits this long)
 * @param failedSample  the newest records per partition of the failed topic that are read to count codes
 */
public record StatusConfig(String group, String inputTopic, String failedTopic, String bucketPrefix, Duration window,
                           int failedSample) {
    public StatusConfig {
        require(group != null && !group.isBlank(), "group must not be blank");
        require(inputTopic != null && !inputTopic.isBlank(), "input topic must not be blank");
        require(failedTopic != null && !failedTopic.isBlank(), "failed topic must not be blank");
        require(bucketPrefix != null && !bucketPrefix.isBlank(), "bucket prefix must not be blank");
        require(window != null && !window.isNegative(), "window must be >= 0, got " + window);
        require(failedSample >= 0, "failed sample must be >= 0, got " + failedSample);
    }

    public static StatusConfig defaults() {
        return new StatusConfig("sieve-workers", Topics.IN, Topics.FAILED, Topics.BUCKET_PREFIX, Duration.ofSeconds(5), 10_000);
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }
}
