package dev.sieve.work;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A bound on the fetched (encoded) bytes the worker holds: bodies being downloaded and bodies waiting for, or in, a
 * prepare thread. A fetch reserves the most its body may be when the response headers are in — its Content-Length,
 * or twice {@code --max-bytes} when the server sends none (held as pieces, then joined) — and its body is read only once that is granted
 * ({@link dev.sieve.fetch.BodyGate}), so the bound holds whatever the servers send; what the body did not use goes
 * back as soon as it has arrived, the rest when the image is decoded. Reserving is asynchronous (no thread blocks)
 * and first come, first served; a reservation larger than the whole budget takes the whole budget.
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

    /** A new job's share: empty until its body is admitted. */
    Share share() {
        return new Share();
    }

    /**
     * One job's bytes of the budget. {@link #take} is its {@link dev.sieve.fetch.BodyGate}; a grant that arrives after
     * {@link #close} (the fetch failed or timed out while waiting) goes straight back.
     */
    final class Share {
        private long held;
        private boolean closed;

        private Share() {
        }

        /** Reserves room for a body of {@code bytes}; a retried attempt's body replaces the previous one's. */
        CompletableFuture<Void> take(long bytes) {
            long previous;
            synchronized (this) {
                previous = held;
                held = 0;
            }
            release(previous);
            long b = clamp(bytes);
            return reserve(b).thenRun(() -> granted(b));
        }

        private void granted(long bytes) {
            synchronized (this) {
                if (!closed) {
                    held += bytes;
                    return;
                }
            }
            release(bytes);
        }

        /** The body has arrived: keep only its size. */
        void shrinkTo(long bytes) {
            long back;
            synchronized (this) {
                long keep = Math.min(held, clamp(bytes));
                back = held - keep;
                held = keep;
            }
            release(back);
        }

        /** Gives everything back, now and for good. */
        void close() {
            long back;
            synchronized (this) {
                closed = true;
                back = held;
                held = 0;
            }
            release(back);
        }

        synchronized long held() {
            return held;
        }
    }
}
