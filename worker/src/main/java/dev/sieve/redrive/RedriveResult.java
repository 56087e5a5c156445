package dev.sieve.redrive;

import java.util.Map;

/**
 * What one run of {@link Redriver} did, counted by failure code.
 *
 * @param read        images.failed records read (from the group's mark to the end)
 * @param sent        references sent back to images.in, by code
 * @param notTransient records skipped because their code is not in the list, by code
 * @param exhausted   references skipped because they were already redriven {@code --max-attempts} times, by code
 * @param unreadable  records that are not a readable FailedImage
 */
public record RedriveResult(long read, Map<String, Long> sent, Map<String, Long> notTransient,
                            Map<String, Long> exhausted, long unreadable) {

    public long sentTotal() {
        return sent.values().stream().mapToLong(Long::longValue).sum();
    }
}
