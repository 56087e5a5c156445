package dev.sieve.image;

import java.util.concurrent.Semaphore;

/**
 * A bound on the decoded pixels the prepare threads hold at once. Without it, every prepare thread may decode a
 * 50-megapixel image at the same time (150–600 MB each), whatever the heap: the pool size follows the cores, not the
 * memory.
 *
 * <p>An image takes its share after its header is read (size known, nothing decoded yet) and gives it back once its
 * tiles are produced or it failed. Waiting is fair (first come, first served), so a large image is not starved by a
 * stream of small ones. A share never holds more than the whole budget; the decoder refuses an image that would
 * cost more than that (TOO_MANY_PIXELS) rather than decode it alone past the memory the budget stands for.
 */
public final class PixelBudget {
    private final int capacity;
    private final Semaphore free;

    /** @param pixels pixels held at once, at least 1; at most {@link Integer#MAX_VALUE} (larger is treated as that) */
    public PixelBudget(long pixels) {
        if (pixels < 1) throw new IllegalArgumentException("pixel budget must be >= 1, got " + pixels);
        this.capacity = (int) Math.min(pixels, Integer.MAX_VALUE);
        this.free = new Semaphore(capacity, true);
    }

    public long capacity() {
        return capacity;
    }

    /** Pixels not taken right now. */
    public long available() {
        return free.availablePermits();
    }

    /** Threads waiting for their share (an estimate, for metrics). */
    public int waiting() {
        return free.getQueueLength();
    }

    /** An empty share for one image; close it (try-with-resources) to give back whatever it took. */
    public Share share() {
        return new Share();
    }

    /** One image's share of the budget. Used by one thread at a time. */
    public final class Share implements AutoCloseable {
        private int held;

        private Share() {}

        /**
         * Waits until {@code pixels} (at most the whole budget) are free and takes them, on top of what this share
         * already holds.
         */
        public void take(long pixels) throws InterruptedException {
            if (pixels < 0) throw new IllegalArgumentException("pixels must be >= 0, got " + pixels);
            int wanted = (int) Math.min(pixels, capacity - held);
            if (wanted == 0) return;
            free.acquire(wanted);
            held += wanted;
        }

        /**
         * A new share holding what this one held, which is left empty: the pixels outlive this image's preparation
         * (the device step reads them later, on another thread), and so does their part of the budget.
         */
        public Share handOver() {
            Share next = new Share();
            next.held = held;
            held = 0;
            return next;
        }

        public long held() {
            return held;
        }

        /** The whole budget's size: the most this share can ever hold. */
        public long capacity() {
            return capacity;
        }

        @Override
        public void close() {
            if (held > 0) free.release(held);
            held = 0;
        }
    }
}
