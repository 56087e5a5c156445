package dev.sieve.image.decode;

import com.sun.jna.Memory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Native memory that a decoding thread keeps between images, for the native decoders' output (and libdeflate's
 * input). A fresh 72 MB buffer for each 24-megapixel image costs its page faults every time (glibc maps and unmaps
 * anything that large): about 35 ms of a 110 ms JPEG decode here. Each slot keeps at most {@code maxKept} bytes per
 * thread and at most {@code maxTotal} bytes over all threads, so the native memory kept does not grow with the
 * prepare pool (15 threads on a 16-core pod); larger requests, and requests past the total, get a buffer of their
 * own, freed when the lease closes.
 */
final class ScratchMemory {
    private final long maxKept;
    private final long maxTotal;
    private final AtomicLong keptTotal = new AtomicLong();
    private final ThreadLocal<Memory> kept = new ThreadLocal<>();

    ScratchMemory(long maxKept) {
        this(maxKept, Long.MAX_VALUE);
    }

    ScratchMemory(long maxKept, long maxTotal) {
        this.maxKept = maxKept;
        this.maxTotal = maxTotal;
    }

    /** The decoded pixels of an image up to 32 megapixels RGB; three threads' worth kept at most. */
    static final ScratchMemory DECODED = new ScratchMemory(96L << 20, 288L << 20);
    /** A PNG's compressed image data, up to 32 MB; three threads' worth kept at most. */
    static final ScratchMemory COMPRESSED = new ScratchMemory(32L << 20, 96L << 20);

    /** At least {@code size} bytes (contents undefined), this thread's only until the lease is closed. */
    Lease lease(long size) {
        long want = Math.max(1, size);
        if (want > maxKept) return new Lease(new Memory(want), true);
        Memory m = kept.get();
        if (m == null || m.size() < want) {
            long old = m == null ? 0 : m.size();
            long after = keptTotal.addAndGet(want - old);
            if (after > maxTotal) { // others keep enough already: this one is used once
                keptTotal.addAndGet(old - want);
                return new Lease(new Memory(want), true);
            }
            if (m != null) m.close();
            m = new Memory(want);
            kept.set(m);
        }
        return new Lease(m, false);
    }

    /** Bytes kept over all threads. */
    long keptTotal() {
        return keptTotal.get();
    }

    /** One use of a buffer; closing frees it only when it was not a kept one. */
    record Lease(Memory memory, boolean own) implements AutoCloseable {
        @Override
        public void close() {
            if (own) memory.close();
        }
    }
}
