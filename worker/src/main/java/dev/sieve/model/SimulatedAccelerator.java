package dev.sieve.model;

import dev.sieve.avro.ClipModel;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.Tag;
import dev.sieve.image.PreparedImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A stand-in for a GPU, for the scale-out benchmark only ({@code sieve work --simulated-accelerator MS}): each batch
 * takes a fixed time, spent parked (the device works, the host CPU does not), whatever its size up to the batch
 * limit — as a GPU's forward pass at a fixed batch shape does. Pure Java: libtorch is never loaded, so a worker JVM
 * starts in about a second with a small heap, and many fit on one machine.
 *
 * <p>Its "embeddings" are a deterministic function of each crop's pixels (a hash seeds the 768 values), and one
 * simulated classifier head turns them into three label probabilities, so records carry scores and the sorter
 * routes them as usual. Every record says where it came from: the CLIP id is {@value #ID} and the head is
 * {@value #HEAD}.
 *
 * <p>The default latency, {@link #H100_ESTIMATE}, is an estimate, not a measurement: CLIP ViT-L/14-336 costs
 * ≈ 382 GFLOPs per 336-px crop; an H100 SXM's dense fp16 peak is ≈ 989 TFLOP/s, i.e. ≈ 2,590 crops/s at 100 %;
 * at a realistic 50 % of peak that is ≈ 1,295 crops/s, so a batch of 32 crops takes ≈ 24.7 ms (12.4 ms would need
 * the full peak). Measured since on an H200 (`scripts/bench gpu`): 31.7 ms per 32 crops for the fp16 TorchScript
 * export a worker loads (0.39 of peak), 27 ms compiled (0.46).
 */
public final class SimulatedAccelerator implements BatchScorer {

    public static final String ID = "simulated-accelerator";
    public static final String HEAD = "simulated-accelerator-head";
    /** ≈ 32 crops × 382 GFLOPs / (0.5 × 989 TFLOP/s): an estimate, see the class comment. */
    public static final Duration H100_ESTIMATE = Duration.ofNanos(24_700_000);
    static final List<String> LABELS = List.of("a", "b", "c");
    private static final Head SIMULATED = new ClassifierHead(HEAD, "sim", LABELS);
    // CLIP ViT-L/14's width (ClipEmbedder.EMBEDDING_WIDTH), restated so that this class never names a libtorch class.
    private static final int EMBEDDING_WIDTH = 768;

    private final Duration perBatch;

    public SimulatedAccelerator(Duration perBatch) {
        if (perBatch.isNegative()) throw new IllegalArgumentException("per-batch time must be ≥ 0, got " + perBatch);
        this.perBatch = perBatch;
    }

    public Duration perBatch() {
        return perBatch;
    }

    /** What the records' {@code clip} field says: no real model, no digest. */
    public static ClipModel clipModel() {
        return ClipModel.newBuilder().setId(ID).setDigest("none").setInputSize(336).build();
    }

    @Override
    public boolean needsWholeImage() {
        return false;
    }

    @Override
    public List<ImageScore> score(List<PreparedImage> images) {
        long start = System.nanoTime();
        List<ImageScore> scores = new ArrayList<>(images.size());
        for (PreparedImage image : images) scores.add(scoreOne(image));
        // The device's share of the batch: wait out the rest of the fixed time without using a core.
        long deadline = start + perBatch.toNanos();
        for (long left; (left = deadline - System.nanoTime()) > 0; ) LockSupport.parkNanos(left);
        long share = (System.nanoTime() - start) / Math.max(1, images.size());
        return scores.stream().map(s -> new ImageScore(s.heads(), s.topTags(), share)).toList();
    }

    private static ImageScore scoreOne(PreparedImage image) {
        int count = Math.max(1, image.tileCount());
        float[] tiles = image.tiles() != null ? image.tiles() : new float[0];
        int floatsPerCrop = tiles.length / count;
        double[][] probabilities = new double[count][];
        for (int c = 0; c < count; c++) {
            float[] crop = Arrays.copyOfRange(tiles, c * floatsPerCrop, (c + 1) * floatsPerCrop);
            probabilities[c] = softmax(embedding(crop));
        }
        List<LabelScore> labels = new ArrayList<>();
        int best = 0;
        double bestValue = -1;
        for (int k = 0; k < LABELS.size(); k++) {
            List<Double> perCrop = new ArrayList<>(count);
            double sum = 0;
            for (double[] p : probabilities) {
                perCrop.add(p[k]);
                sum += p[k];
            }
            double mean = sum / count;
            if (mean > bestValue) {
                bestValue = mean;
                best = k;
            }
            labels.add(new LabelScore(LABELS.get(k), mean, perCrop));
        }
        CropCombine rule = count == 1 ? CropCombine.SINGLE : CropCombine.MEAN;
        HeadScore head = new HeadScore(HEAD, SIMULATED.revision(), SIMULATED.kind(), rule, labels);
        return new ImageScore(List.of(head), List.of(new Tag(HEAD, LABELS.get(best))), 0);
    }

    /** 768 values in [-1, 1) from a hash of the crop's floats: same pixels, same embedding, on any JVM. */
    static float[] embedding(float[] crop) {
        long seed = Arrays.hashCode(crop) * 0x9E3779B97F4A7C15L;
        float[] e = new float[EMBEDDING_WIDTH];
        for (int i = 0; i < e.length; i++) {
            seed = seed * 6364136223846793005L + 1442695040888963407L; // Knuth's MMIX LCG
            e[i] = (float) ((seed >>> 40) / (double) (1L << 24) * 2 - 1);
        }
        return e;
    }

    private static double[] softmax(float[] embedding) {
        // Three "logits": sums over thirds of the embedding, scaled so the labels differ visibly between images.
        double[] z = new double[LABELS.size()];
        int third = embedding.length / z.length;
        for (int k = 0; k < z.length; k++) {
            for (int i = k * third; i < (k + 1) * third; i++) z[k] += embedding[i];
            z[k] /= 8;
        }
        double max = Arrays.stream(z).max().orElse(0), sum = 0;
        for (int k = 0; k < z.length; k++) sum += z[k] = Math.exp(z[k] - max);
        for (int k = 0; k < z.length; k++) z[k] /= sum;
        return z;
    }
}
