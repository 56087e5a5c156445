package dev.sieve.redrive;

import dev.sieve.kafka.Topics;
import java.time.Duration;

/**
 * @param failedTopic  where failures are read
 * @param inputTopic   where their references go back to
 * @param group        the consumer group whose committed offsets on {@code failedTopic} mark where the last run stopped
 * @param codes        which failures are sent back
 * @param maxAttempts  a reference already redriven this many times is not sent again
 * @param stallTimeout how long reading may make no progress before the run gives up
 */
public record RedriveConfig(String bootstrapServers, String failedTopic, String inputTopic, String group,
                            TransientCodes codes, int maxAttempts, Duration stallTimeout) {

    public RedriveConfig {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("Invalid option for maxAttempts: " + maxAttempts + " (must be at least 1)");
        }
        if (group == null || group.isBlank()) throw new IllegalArgumentException("Invalid option for group: empty");
    }

    /** images.failed back to images.in, group sieve-redrive, the default codes, three redrives at most. */
    public static RedriveConfig defaults(String bootstrapServers) {
        return new RedriveConfig(bootstrapServers, Topics.FAILED, Topics.IN, "sieve-redrive", TransientCodes.defaults(), 3,
                Duration.ofSeconds(30));
    }

    public RedriveConfig withCodes(TransientCodes codes) {
        return new RedriveConfig(bootstrapServers, failedTopic, inputTopic, group, codes, maxAttempts, stallTimeout);
    }

    public RedriveConfig withMaxAttempts(int maxAttempts) {
        return new RedriveConfig(bootstrapServers, failedTopic, inputTopic, group, codes, maxAttempts, stallTimeout);
    }

    public RedriveConfig withGroup(String group) {
        return new RedriveConfig(bootstrapServers, failedTopic, inputTopic, group, codes, maxAttempts, stallTimeout);
    }

    public RedriveConfig withTopics(String failedTopic, String inputTopic) {
        return new RedriveConfig(bootstrapServers, failedTopic, inputTopic, group, codes, maxAttempts, stallTimeout);
    }
}
