package dev.sieve.status;

import java.io.PrintWriter;
import java.util.Map;

/** Prints a {@link ClusterStatus} as a few short tables for a terminal. */
public final class StatusReport {
    private StatusReport() {}

    public static void print(ClusterStatus s, String inputTopic, PrintWriter out) {
        out.printf("group %s: %d members, lag %d on %s%n", s.group(), s.members(), s.totalLag(), inputTopic);
        out.printf("  %-9s %12s %12s %10s  %s%n", "partition", "committed", "end", "lag", "owner");
        for (ClusterStatus.PartitionLag p : s.partitions()) {
            out.printf("  %-9d %12s %12d %10d  %s%n", p.partition(), p.committed() < 0 ? "-" : String.valueOf(p.committed()),
                    p.end(), p.lag(), p.owner());
        }
        ClusterStatus.Throughput t = s.throughput();
        out.printf("throughput over %.1f s: %.1f images/s committed, %.1f refs/s arriving%n",
                t.window().toNanos() / 1e9, t.consumedPerSecond(), t.producedPerSecond());
        ClusterStatus.Failures f = s.failures();
        out.printf("failures: codes of the newest %d records read (the topic spans %d offsets, transaction markers included):%n",
                f.sampled(), f.total());
        if (f.byCode().isEmpty()) out.println("  (none)");
        for (Map.Entry<String, Long> e : f.byCode().entrySet()) out.printf("  %-40s %10d%n", e.getKey(), e.getValue());
        out.printf("buckets: %d (offsets per topic, transaction markers included: an upper bound on records)%n", s.buckets().size());
        if (s.buckets().isEmpty()) out.println("  (none)");
        for (Map.Entry<String, Long> e : s.buckets().entrySet()) out.printf("  %-60s %10d%n", e.getKey(), e.getValue());
        out.flush();
    }
}
