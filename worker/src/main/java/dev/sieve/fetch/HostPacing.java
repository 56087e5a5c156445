package dev.sieve.fetch;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Politeness: at most {@code rate} request starts per second to one host. Each request books the host's next free
 * start time, one interval after the previous booking, and is released by the timer when it comes; the caller never
 * blocks. Bookings are kept only while they lie in the future, so the map does not grow with the hosts ever seen.
 */
final class HostPacing {
    private final long intervalNanos;
    private final ScheduledExecutorService timer;
    private final Map<String, Long> nextStart = new HashMap<>();

    /** @param rate requests per second per host; 0 = no pacing */
    HostPacing(double rate, ScheduledExecutorService timer) {
        this.intervalNanos = rate > 0 ? (long) (1e9 / rate) : 0;
        this.timer = timer;
    }

    CompletableFuture<Void> turn(String host) {
        if (intervalNanos == 0) return CompletableFuture.completedFuture(null);
        long now = System.nanoTime();
        long start;
        synchronized (this) {
            nextStart.values().removeIf(t -> t - now < 0);
            Long booked = nextStart.get(host);
            start = booked == null ? now : booked;
            nextStart.put(host, start + intervalNanos);
        }
        long delay = start - now;
        if (delay <= 0) return CompletableFuture.completedFuture(null);
        CompletableFuture<Void> turn = new CompletableFuture<>();
        timer.schedule(() -> turn.complete(null), delay, TimeUnit.NANOSECONDS);
        return turn;
    }
}
