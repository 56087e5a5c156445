package dev.sieve.work;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import dev.sieve.image.PreparedImage;
import dev.sieve.model.ImageScore;
import dev.sieve.model.BatchScorer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Fills CLIP forward passes with crops from many images: a batch closes when it holds {@code batchCrops} crops
 * or its first image has waited {@code maxWait}, whichever comes first. One thread owns the Scorer, so the
 * model never sees two batches at once while the prepare pool keeps filling the next one.
 */
final class Batcher implements AutoCloseable {
    private record Pending(PreparedImage image, CompletableFuture<ImageScore> result) {}

    private final BatchScorer scorer;
    private final WorkerMetrics metrics;
    private final int batchCrops;
    private final long maxWaitNanos;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    Batcher(BatchScorer scorer, int batchCrops, Duration maxWait) {
        this(scorer, batchCrops, maxWait, WorkerMetrics.unregistered());
    }

    Batcher(BatchScorer scorer, int batchCrops, Duration maxWait, WorkerMetrics metrics) {
        this.scorer = scorer;
        this.metrics = metrics;
        this.batchCrops = batchCrops;
        this.maxWaitNanos = maxWait.toNanos();
        this.thread = new Thread(this::loop, "sieve-batcher");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    CompletableFuture<ImageScore> submit(PreparedImage image) {
        CompletableFuture<ImageScore> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IllegalStateException("batcher closed"));
        } else {
            queue.add(new Pending(image, result));
        }
        return result;
    }

    private int crops(PreparedImage image) {
        return image.tileCount() + (scorer.needsWholeImage() && image.tiled() ? 1 : 0);
    }

    private void loop() {
        List<Pending> batch = new ArrayList<>();
        while (!closed) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                int crops = crops(first.image());
                long opened = System.nanoTime();
                long deadline = opened + maxWaitNanos;
                while (crops < batchCrops) {
                    long left = deadline - System.nanoTime();
                    Pending next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) break;
                    batch.add(next);
                    crops += crops(next.image());
                }
                metrics.batch(crops, System.nanoTime() - opened);
                metrics.batchStarted();
                try {
                    run(batch);
                } finally {
                    metrics.batchEnded();
                }
            } catch (InterruptedException e) {
                break;
            } finally {
                batch.clear();
            }
        }
        Pending p;
        while ((p = queue.poll()) != null) {
            p.result().completeExceptionally(new IllegalStateException("batcher closed"));
        }
    }

    private void run(List<Pending> batch) {
        List<PreparedImage> images = new ArrayList<>(batch.size());
        for (Pending p : batch) images.add(p.image());
        try {
            List<ImageScore> scores = score(images);
            for (int i = 0; i < batch.size(); i++) batch.get(i).result().complete(scores.get(i));
        } catch (StageException e) {
            if (batch.size() == 1) {
                batch.get(0).result().completeExceptionally(e);
            } else {
                // One bad image must not fail the others: score each alone, so only the culprit fails.
                batch.forEach(p -> run(List.of(p)));
            }
        }
    }

    /** Scores one forward pass; anything the model throws becomes a MODEL_ERROR for the images of that pass. */
    private List<ImageScore> score(List<PreparedImage> images) throws StageException {
        try {
            return scorer.score(images);
        } catch (StageException e) {
            throw e;
        } catch (RuntimeException | Error e) {
            String what = images.size() == 1 ? "the image" : "a batch of " + images.size() + " images";
            throw new StageException(Stage.INFER, FailureCode.MODEL_ERROR, "model failed on " + what + ": " + e, e);
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
