package dev.sieve.work;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A bound on the fetched (encoded) bytes the worker holds: bodies being downloaded and bodies waiting for, or in, a
 * prepare thread. A fetch reserves the most its body may be ({@code --max-bytes}) before it starts, so the bound
 * holds whatever the servers send, and gives back what the body did not use as soon as it has arrived; the rest
 * goes back when the image is decoded. Reserving is asynchronous (the poll thread must never block) and first come,
 * first served; a reservation larger than the whole budget takes the whole budget.
 */
final class FetchBudget {
    private record Waiter(long bytes, CompletableFuture<Void> granted) {}

    private final long capacity;
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private long free;

    FetchBudget(long bytes) {
        if (bytes < 1) throw new IllegalArgumentException("fetch budget must be >= 1 byte, got " + bytes);
        this.capacity = bytes;
        this.free = bytes;
    }

    long capacity() {
        return capacity;
    }

    /** The part of {@code bytes} a reservation actually takes: at most the whole budget. */
    long clamp(long bytes) {
        return Math.max(0, Math.min(bytes, capacity));
    }

    /** Completes once {@link #clamp}(bytes) are reserved; then give them back with {@link #release}. */
    CompletableFuture<Void> reserve(long bytes) {
        long b = clamp(bytes);
        synchronized (this) {
            if (waiters.isEmpty() && free >= b) {
                free -= b;
                return CompletableFuture.completedFuture(null);
            }
            Waiter w = new Waiter(b, new CompletableFuture<>());
            waiters.add(w);
            return w.granted();
        }
    }

    void release(long bytes) {
        if (bytes <= 0) return;
        List<CompletableFuture<Void>> granted = new ArrayList<>();
        synchronized (this) {
            free = Math.min(capacity, free + bytes);
            while (!waiters.isEmpty() && waiters.peekFirst().bytes() <= free) {
                Waiter w = waiters.pollFirst();
                free -= w.bytes();
                granted.add(w.granted());
            }
        }
        // Outside the lock: completing starts the waiting fetches on this thread.
        granted.forEach(g -> g.complete(null));
    }

    synchronized long free() {
        return free;
    }

    synchronized int waiting() {
        return waiters.size();
    }
}
