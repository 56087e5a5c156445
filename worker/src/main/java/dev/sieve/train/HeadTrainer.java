package dev.sieve.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import dev.sieve.model.CityHead;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * city96's {@code train.py} loop for a classifier {@code PredictorModel}, on libtorch through DJL's NDArray autograd:
 *
 * <ul>
 *   <li>each pass shuffles the images and cuts them into batches, dropping the last incomplete one;</li>
 *   <li>each sample is one crop of its image, picked at random: sieve keeps five fixed crops per tiled image (one for
 *       an untiled one) where city96's {@code ImageDataset} cuts a fresh random 672-pixel crop each time;</li>
 *   <li>loss: {@code CrossEntropyLoss(weights)} on the model's output <em>after</em> its softmax with one-hot targets,
 *       as city96 computes it (the softmax is applied twice, so the loss is flat; hence its small learning rates);</li>
 *   <li>AdamW (torch's update, decoupled weight decay), cosine annealing to 0 over the run;</li>
 *   <li>{@code Dropout(0.1)} in {@code down} while training; float32 throughout (city96 trains under CUDA autocast).</li>
 * </ul>
 *
 * <p>Everything random (order, crop, dropout, a fresh start) is drawn from one seeded Java generator, and the
 * arithmetic is libtorch's on the CPU, so the same seed and data give the same bytes.
 */
public final class HeadTrainer {

    /** Told after each update: samples seen so far and the update's loss. */
    public interface Progress {
        void update(long seen, double loss);
    }

    /** One image: its crops' embeddings and its class index. */
    public record Sample(String id, float[][] crops, int label) {}

    private static final List<String> LAYERS = List.of("up.0", "up.1.long.0", "up.1.long.2", "up.1.long.4",
            "down.0", "down.1", "down.4", "down.5");
    /** The width after down.1, where PredictorModel's Dropout sits. */
    private static final int DROPOUT_WIDTH = 64;

    private final int features;
    private final int hidden;
    private final int outputs;
    private final double dropout;

    public HeadTrainer(int features, int hidden, int outputs) {
        this(features, hidden, outputs, TrainingRecipe.DROPOUT);
    }

    /** @param dropout 0 in the test that compares one update with torch's (dropout draws its own masks) */
    HeadTrainer(int features, int hidden, int outputs, double dropout) {
        this.features = features;
        this.hidden = hidden;
        this.outputs = outputs;
        this.dropout = dropout;
    }

    /**
     * Trains from {@code start} (the previous revision's tensors, torch layout) or, with
     * {@link TrainingRecipe#fromScratch()}, from torch's default initialisation.
     *
     * @param progress told after each update
     * @return the trained state dict, torch layout, ready for {@link dev.sieve.model.CityHeadWriter}
     */
    public Map<String, float[]> train(Map<String, float[]> start, List<Sample> samples, TrainingRecipe recipe,
                                      Progress progress) {
        if (samples.size() < recipe.batch()) {
            throw new IllegalArgumentException(samples.size() + " training images, fewer than one batch of " + recipe.batch());
        }
        Map<String, long[]> shapes = CityHead.expectedShapes(features, hidden, outputs);
        SplittableRandom random = new SplittableRandom(recipe.seed());
        Map<String, float[]> initial = recipe.fromScratch() ? torchDefaults(shapes, random) : start;
        double[] classWeights = new double[outputs];
        for (int k = 0; k < outputs; k++) classWeights[k] = recipe.classWeight(k, outputs);

        try (NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            // Weights are held transposed ([in, out]) so that the forward pass is x.matMul(w): every intermediate then
            // belongs to the step's manager (DJL attaches a result to its first operand's) and is freed with it.
            List<NDArray> params = new ArrayList<>();
            List<NDArray> mean = new ArrayList<>();
            List<NDArray> variance = new ArrayList<>();
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                float[] values = initial.get(e.getKey());
                long[] shape = e.getValue();
                NDArray p = shape.length == 2
                        ? root.create(transpose(values, (int) shape[0], (int) shape[1]), new Shape(shape[1], shape[0]))
                        : root.create(values.clone(), new Shape(shape));
                p.setRequiresGradient(true);
                params.add(p);
                mean.add(root.zeros(p.getShape()));
                variance.add(root.zeros(p.getShape()));
            }
            int n = samples.size();
            int batch = recipe.batch();
            int[] order = new int[n];
            for (int i = 0; i < n; i++) order[i] = i;
            long seen = 0;
            long update = 0;
            while (seen < recipe.steps()) {
                shuffle(order, random);
                for (int from = 0; from + batch <= n && seen < recipe.steps(); from += batch) {
                    float[] x = new float[batch * features];
                    float[] target = new float[batch * outputs];
                    float[] keep = new float[batch * DROPOUT_WIDTH];
                    for (int b = 0; b < batch; b++) {
                        Sample s = samples.get(order[from + b]);
                        float[] crop = s.crops()[random.nextInt(s.crops().length)];
                        System.arraycopy(crop, 0, x, b * features, features);
                        target[b * outputs + s.label()] = (float) classWeights[s.label()];
                    }
                    for (int i = 0; i < keep.length; i++) {
                        keep[i] = random.nextDouble() < dropout ? 0f : (float) (1 / (1 - dropout));
                    }
                    double lr = recipe.learningRate() * 0.5 * (1 + Math.cos(Math.PI * update / recipe.updates()));
                    double loss = step(root, params, mean, variance, x, target, keep, batch, lr, update + 1, recipe.weightDecay());
                    update++;
                    seen += batch;
                    progress.update(seen, loss);
                }
            }
            Map<String, float[]> out = new LinkedHashMap<>();
            int i = 0;
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                float[] values = params.get(i++).toFloatArray();
                long[] shape = e.getValue();
                out.put(e.getKey(), shape.length == 2 ? transpose(values, (int) shape[1], (int) shape[0]) : values);
            }
            return out;
        }
    }

    private double step(NDManager root, List<NDArray> params, List<NDArray> mean, List<NDArray> variance, float[] x,
                      float[] target, float[] keep, int batch, double lr, long t, double weightDecay) {
        try (NDManager step = root.newSubManager()) {
            NDArray input = step.create(x, new Shape(batch, features));
            NDArray weightedTarget = step.create(target, new Shape(batch, outputs));
            NDArray mask = step.create(keep, new Shape(batch, DROPOUT_WIDTH));
            NDArray loss;
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray probabilities = forward(input, params, mask).softmax(1);
                // CrossEntropyLoss(weight) with probability targets: -sum_c w_c y_c log_softmax(input)_c, mean over the batch.
                loss = probabilities.logSoftmax(1).mul(weightedTarget).sum().neg().div(batch);
                collector.backward(loss);
            }
            double bias1 = 1 - Math.pow(TrainingRecipe.BETA1, t);
            double bias2 = 1 - Math.pow(TrainingRecipe.BETA2, t);
            for (int i = 0; i < params.size(); i++) {
                NDArray p = params.get(i);
                NDArray g = p.getGradient();
                g.attach(step);
                // torch.optim.AdamW: decay, moments, bias-corrected step.
                p.muli(1 - lr * weightDecay);
                mean.get(i).muli(TrainingRecipe.BETA1).addi(g.mul(1 - TrainingRecipe.BETA1));
                variance.get(i).muli(TrainingRecipe.BETA2).addi(g.square().muli(1 - TrainingRecipe.BETA2));
                NDArray denominator = variance.get(i).sqrt().divi(Math.sqrt(bias2)).addi(TrainingRecipe.EPSILON);
                denominator.attach(step);
                NDArray update = mean.get(i).div(denominator);
                update.attach(step);
                p.subi(update.muli(lr / bias1));
                g.subi(g); // gradients accumulate in libtorch: zero them for the next step
            }
            return loss.getFloat();
        }
    }

    private NDArray forward(NDArray x, List<NDArray> p, NDArray dropoutKeep) {
        NDArray y = linear(x, p, 0);
        NDArray r = Activation.leakyRelu(linear(y, p, 1), 0.1f);
        r = Activation.leakyRelu(linear(r, p, 2), 0.1f);
        y = Activation.relu(linear(r, p, 3).add(y));
        NDArray z = linear(linear(y, p, 4), p, 5).mul(dropoutKeep);
        z = Activation.leakyRelu(z, 0.01f);
        return linear(linear(z, p, 6), p, 7);
    }

    private static NDArray linear(NDArray x, List<NDArray> p, int layer) {
        return x.matMul(p.get(2 * layer)).add(p.get(2 * layer + 1));
    }

    /** torch's nn.Linear initialisation: weights and biases uniform in +-1/sqrt(fan_in) (kaiming_uniform, a = sqrt 5). */
    private static Map<String, float[]> torchDefaults(Map<String, long[]> shapes, SplittableRandom random) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String layer : LAYERS) {
            long[] w = shapes.get(layer + ".weight");
            double bound = 1 / Math.sqrt(w[1]);
            out.put(layer + ".weight", uniform((int) (w[0] * w[1]), bound, random));
            out.put(layer + ".bias", uniform((int) w[0], bound, random));
        }
        return out;
    }

    private static float[] uniform(int n, double bound, SplittableRandom random) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        return v;
    }

    private static void shuffle(int[] order, SplittableRandom random) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    private static float[] transpose(float[] rowMajor, int rows, int cols) {
        float[] t = new float[rowMajor.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) t[c * rows + r] = rowMajor[r * cols + c];
        }
        return t;
    }
}
