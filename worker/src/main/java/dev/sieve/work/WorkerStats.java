package dev.sieve.work;

import java.util.concurrent.atomic.AtomicLong;

/** Counts what a worker has committed: only records whose outputs are written count. */
public final class WorkerStats {
    private final long startNanos = System.nanoTime();
    final AtomicLong polled = new AtomicLong();
    final AtomicLong scored = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong transactions = new AtomicLong();
    final AtomicLong aborted = new AtomicLong();
    /** Share mode: acquisition locks renewed for images still in flight (one per record per renewal). */
    final AtomicLong renewals = new AtomicLong();
    /** Share mode: the highest delivery count seen on a polled record (1 while no lock ran out, no worker died). */
    final AtomicLong maxDeliveryCount = new AtomicLong();

    /** An outcome's records are written: one image scored or failed, however many records it wrote. */
    void written(Outcome outcome) {
        (outcome instanceof Outcome.Scored ? scored : failed).incrementAndGet();
    }

    public long polled() { return polled.get(); }

    public long scored() { return scored.get(); }

    public long failed() { return failed.get(); }

    public long transactions() { return transactions.get(); }

    public long aborted() { return aborted.get(); }

    public long renewals() { return renewals.get(); }

    public long maxDeliveryCount() { return maxDeliveryCount.get(); }

    public double imagesPerSecond() {
        double s = (System.nanoTime() - startNanos) / 1e9;
        return s <= 0 ? 0 : (scored() + failed()) / s;
    }

    @Override
    public String toString() {
        return String.format("polled %d, scored %d, failed %d, %.1f images/s, %d transactions (%d aborted)",
                polled(), scored(), failed(), imagesPerSecond(), transactions(), aborted());
    }
}
