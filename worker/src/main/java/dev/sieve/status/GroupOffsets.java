package dev.sieve.status;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/** One snapshot of a group's committed offsets and its topic's end offsets; -1 = nothing committed. */
public record GroupOffsets(long nanoTime, Map<TopicPartition, Long> committed, Map<TopicPartition, Long> start,
                           Map<TopicPartition, Long> end) {

    public long committedOrStart(TopicPartition tp) {
        long c = committed.getOrDefault(tp, -1L);
        return c >= 0 ? c : start.getOrDefault(tp, 0L);
    }

    /** Growth of committed offsets since {@code earlier}, summed over partitions. */
    public long consumedSince(GroupOffsets earlier) {
        long n = 0;
        for (TopicPartition tp : end.keySet()) {
            n += Math.max(0, committedOrStart(tp) - earlier.committedOrStart(tp));
        }
        return n;
    }

    /** Growth of end offsets since {@code earlier}, summed over partitions. */
    public long producedSince(GroupOffsets earlier) {
        long n = 0;
        for (var e : end.entrySet()) n += Math.max(0, e.getValue() - earlier.end().getOrDefault(e.getKey(), e.getValue()));
        return n;
    }
}
