package dev.sieve.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU seconds spent by each group of threads between two snapshots, grouped by name without its trailing number
 * (sieve-prepare-1 and sieve-prepare-2 are one group). It tells a starved stage (busy fraction well under 1 with work
 * queued) from a stage waiting on the pipeline, which a rate alone cannot.
 */
final class ThreadCpu {
    private final Map<Long, Long> start = new TreeMap<>();
    private final Map<Long, String> names = new TreeMap<>();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    static ThreadCpu snapshot() {
        ThreadCpu s = new ThreadCpu();
        for (ThreadInfo info : s.threads.getThreadInfo(s.threads.getAllThreadIds())) {
            if (info == null) continue;
            s.start.put(info.getThreadId(), Math.max(0, s.threads.getThreadCpuTime(info.getThreadId())));
            s.names.put(info.getThreadId(), info.getThreadName());
        }
        return s;
    }

    /** CPU seconds per thread group since the snapshot (threads started later count from zero). */
    Map<String, Double> since() {
        Map<String, Double> groups = new TreeMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) continue;
            long now = threads.getThreadCpuTime(info.getThreadId());
            if (now < 0) continue;
            long used = now - start.getOrDefault(info.getThreadId(), 0L);
            groups.merge(group(info.getThreadName()), used / 1e9, Double::sum);
        }
        return groups;
    }

    static String group(String threadName) {
        return threadName.replaceAll("[-_ #]*\\d+$", "").replaceAll("\\d+", "N");
    }
}
