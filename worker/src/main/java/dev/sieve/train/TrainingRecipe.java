package dev.sieve.train;

import java.util.List;

/**
 * How a head is trained: city96's {@code train.py} with the settings of its {@code config/*.yaml}. The defaults are
 * {@code CCAnime-ChromaticAberration-v1.yaml}'s (lr 1.5e-6, 30000 steps, batch 1, cosine schedule); AdamW's own
 * defaults (weight decay 0.01, betas 0.9/0.999, eps 1e-8) as torch has them.
 *
 * @param learningRate the initial learning rate; cosine annealing takes it to 0 over {@code steps / batch} updates
 * @param steps        samples seen in all (city96 counts steps in samples: {@code progress.update(args.batch)})
 * @param batch        samples per update; the last incomplete batch of each pass is dropped ({@code drop_last})
 * @param weightDecay  AdamW's decoupled weight decay
 * @param classWeights per label, its weight in the loss (the yaml's {@code labels.N.loss}); empty: 1.0 each
 * @param seed         shuffling, crop choice, dropout and (from scratch) the initial weights all come from it
 * @param fromScratch  start from torch's default initialisation instead of the previous revision's weights
 */
public record TrainingRecipe(double learningRate, long steps, int batch, double weightDecay, List<Double> classWeights,
                             long seed, boolean fromScratch) {

    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.999;
    public static final double EPSILON = 1e-8;
    /** PredictorModel's {@code nn.Dropout(0.1)} in {@code down}, active while training. */
    public static final double DROPOUT = 0.1;

    public TrainingRecipe {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) throw new IllegalArgumentException("--lr must be > 0, got " + learningRate);
        if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        if (batch < 1 || batch > 4096) throw new IllegalArgumentException("--batch must be in [1, 4096], got " + batch);
        if (!(weightDecay >= 0) || weightDecay >= 1) throw new IllegalArgumentException("--weight-decay must be in [0, 1), got " + weightDecay);
        classWeights = List.copyOf(classWeights);
        for (double w : classWeights) {
            if (!(w > 0) || Double.isInfinite(w)) throw new IllegalArgumentException("--class-weights must be > 0, got " + classWeights);
        }
    }

    public static TrainingRecipe city96() {
        return new TrainingRecipe(1.5e-6, 30_000, 1, 0.01, List.of(), 0, false);
    }

    /** The loss weight of label {@code k}. */
    double classWeight(int k, int labels) {
        if (classWeights.isEmpty()) return 1.0;
        if (classWeights.size() != labels) {
            throw new IllegalArgumentException("--class-weights has " + classWeights.size() + " values, the head has " + labels + " labels");
        }
        return classWeights.get(k);
    }

    /** Updates in all: CosineAnnealingLR's T_max. */
    long updates() {
        return Math.max(1, steps / batch);
    }
}
