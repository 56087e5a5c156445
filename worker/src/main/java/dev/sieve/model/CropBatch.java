package dev.sieve.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The input tensor's memory for one forward pass: a direct, native-order buffer that the crops are copied into once
 * and that libtorch then reads in place. Reused from batch to batch (it only grows), so a batch costs one copy of its
 * crops and no allocation; before, each batch built a heap {@code float[]} of all crops and DJL copied that again into
 * a freshly allocated direct buffer.
 *
 * <p>Not thread-safe: one per scoring thread.
 */
public final class CropBatch {

    private final int cropFloats;
    private ByteBuffer bytes = ByteBuffer.allocateDirect(0);
    private int floats;

    public CropBatch(int cropFloats) {
        if (cropFloats < 1) throw new IllegalArgumentException("cropFloats must be >= 1, got " + cropFloats);
        this.cropFloats = cropFloats;
    }

    /** Starts a batch of {@code crops} crops; returns the float view to write them into, CHW per crop, in order. */
    public FloatBuffer start(int crops) {
        int needed = Math.multiplyExact(Math.multiplyExact(crops, cropFloats), Float.BYTES);
        if (bytes.capacity() < needed) bytes = ByteBuffer.allocateDirect(needed).order(ByteOrder.nativeOrder());
        bytes.clear().limit(needed);
        floats = crops * cropFloats;
        return bytes.asFloatBuffer();
    }

    /** The batch's bytes, positioned at 0 and limited to the crops of the current batch. */
    ByteBuffer bytes() {
        return bytes.duplicate().order(ByteOrder.nativeOrder()).position(0).limit(floats * Float.BYTES);
    }

    /** Floats in the current batch. */
    int floats() {
        return floats;
    }

    /** Bytes held (the largest batch so far). */
    public int capacityBytes() {
        return bytes.capacity();
    }
}
