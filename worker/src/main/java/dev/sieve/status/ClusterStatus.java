package dev.sieve.status;

import java.time.Duration;
import java.util.List;
import java.util.SortedMap;

/**
 * A quick look at a running pipeline, as Kafka sees it.
 *
 * @param group      the workers' group
 * @param members    members of the group now
 * @param partitions one line per input partition
 * @param throughput growth of committed and end offsets over the window
 * @param failures   failure codes among the newest failed records
 * @param buckets    records per bucket topic (end minus start offsets: an upper bound, transaction markers count too)
 */
public record ClusterStatus(String group, int members, List<PartitionLag> partitions, Throughput throughput,
                            Failures failures, SortedMap<String, Long> buckets) {

    public long totalLag() {
        return partitions.stream().mapToLong(PartitionLag::lag).sum();
    }

    /**
     * @param committed the group's committed offset, or -1 when it has none (lag then counts from the start)
     * @param end       the last stable offset (read_committed end)
     * @param owner     the client id of the member that owns it, or "-" when none
     */
    public record PartitionLag(int partition, long committed, long end, long lag, String owner) {}

    /**
     * @param window   how long the two snapshots are apart
     * @param consumed committed-offset growth of the group over the window (images written by workers)
     * @param produced end-offset growth of the input topic over the window (references arriving)
     */
    public record Throughput(Duration window, long consumed, long produced) {
        public double consumedPerSecond() {
            return perSecond(consumed);
        }

        public double producedPerSecond() {
            return perSecond(produced);
        }

        private double perSecond(long n) {
            double s = window.toNanos() / 1e9;
            return s <= 0 ? 0 : n / s;
        }
    }

    /**
     * @param total   records on the failed topic (end minus start offsets, an upper bound)
     * @param sampled records read to count codes
     * @param byCode  count per "stage/CODE" among those read ("unreadable" for records that are not a FailedImage)
     */
    public record Failures(long total, long sampled, SortedMap<String, Long> byCode) {}
}
