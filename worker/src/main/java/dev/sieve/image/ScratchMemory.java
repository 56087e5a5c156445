package dev.sieve.image;

import com.sun.jna.Memory;

/**
 * Native memory that a decoding thread keeps between images, for the native decoders' output (and libdeflate's
 * input). A fresh 72 MB buffer for each 24-megapixel image costs its page faults every time (glibc maps and unmaps
 * anything that large): about 35 ms of a 110 ms JPEG decode here. Each slot keeps at most {@code maxKept} bytes per
 * thread (the prepare pool's threads are fixed, so native memory stays bounded by slots x threads x maxKept);
 * larger requests get a buffer of their own, freed when the lease closes.
 */
final class ScratchMemory {
    private final long maxKept;
    private final ThreadLocal<Memory> kept = new ThreadLocal<>();

    ScratchMemory(long maxKept) {
        this.maxKept = maxKept;
    }

    /** The decoded pixels of an image up to 32 megapixels RGB. */
    static final ScratchMemory DECODED = new ScratchMemory(96L << 20);
    /** A PNG's compressed image data, up to 32 MB. */
    static final ScratchMemory COMPRESSED = new ScratchMemory(32L << 20);

    /** At least {@code size} bytes (contents undefined), this thread's only until the lease is closed. */
    Lease lease(long size) {
        long want = Math.max(1, size);
        if (want > maxKept) return new Lease(new Memory(want), true);
        Memory m = kept.get();
        if (m == null || m.size() < want) {
            if (m != null) m.close();
            m = new Memory(want);
            kept.set(m);
        }
        return new Lease(m, false);
    }

    /** One use of a buffer; closing frees it only when it was not a kept one. */
    record Lease(Memory memory, boolean own) implements AutoCloseable {
        @Override
        public void close() {
            if (own) memory.close();
        }
    }
}
