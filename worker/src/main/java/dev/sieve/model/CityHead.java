package dev.sieve.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One of city96's predictor heads ({@code PredictorModel} in CityClassifiers' model.py), read straight from its
 * {@code <name>.safetensors} and optional {@code <name>.config.json}, run with DJL ops on the CLIP's engine and
 * device:
 *
 * <pre>
 * y = up.0(x)                                    // no activation before the residual block
 * y = relu(y + L4(lrelu0.1(L2(lrelu0.1(L0(y))))))  // ResBlock: ReLU after the residual add
 * z = down.5(down.4(lrelu0.01(down.1(down.0(y)))))  // Dropout is a no-op in eval
 * classifier: softmax(z);  score: (tanh(z) + 1) / 2   // the head's kind decodes: {@link Head#decode}
 * </pre>
 *
 * <p>Holds its weights in native memory until {@link #close()}.
 */
public final class CityHead implements AutoCloseable {

    /** The 16 tensors of city96's state dict, in forward order. */
    static final List<String> LAYERS = List.of("up.0", "up.1.long.0", "up.1.long.2", "up.1.long.4",
            "down.0", "down.1", "down.4", "down.5");

    // PredictorModel(features=768, outputs=1, hidden=1024): the defaults a config's model_params overrides.
    private static final int DEFAULT_FEATURES = 768;
    private static final int DEFAULT_HIDDEN = 1024;
    private static final int DEFAULT_OUTPUTS = 1;
    // Fixed widths of the `down` stack in model.py.
    private static final int[] DOWN_WIDTHS = {128, 64, 32};

    private final Head head;
    private final int features;
    private final NDManager weights;
    private final NDArray[] w; // transposed: [in, out], so that x.matMul(w) needs no per-call transpose
    private final NDArray[] b;

    private CityHead(String name, String revision, List<String> labels, int features, NDManager weights,
                     NDArray[] w, NDArray[] b) {
        this.head = Head.of(name, revision, labels);
        this.features = features;
        this.weights = weights;
        this.w = w;
        this.b = b;
    }

    public static CityHead load(Path safetensorsFile, Device device) throws IOException {
        String fileName = safetensorsFile.getFileName().toString();
        String name = fileName.endsWith(".safetensors")
                ? fileName.substring(0, fileName.length() - ".safetensors".length()) : fileName;
        Path configFile = safetensorsFile.resolveSibling(name + ".config.json");
        // city96's inference treats a missing config as "infer from the weights" (CityAesthetics ships none).
        HeadConfig config = Files.isRegularFile(configFile) ? HeadConfig.read(configFile) : null;
        SafetensorsFile file = SafetensorsFile.read(safetensorsFile);
        Map<String, SafetensorsFile.Tensor> tensors = file.tensors();

        for (String key : tensors.keySet()) {
            if (!expectedKeys().contains(key)) {
                throw new IOException(safetensorsFile + ": unexpected tensor " + key
                        + "; a city96 PredictorModel has exactly " + expectedKeys());
            }
        }
        for (String key : expectedKeys()) {
            if (!tensors.containsKey(key)) {
                throw new IOException(safetensorsFile + ": missing tensor " + key
                        + "; a city96 PredictorModel has exactly " + expectedKeys());
            }
        }
        long[] up0 = tensors.get("up.0.weight").shape();
        long[] down5 = tensors.get("down.5.bias").shape();
        if (up0.length != 2 || down5.length != 1) {
            throw new IOException(safetensorsFile + ": up.0.weight has shape " + Arrays.toString(up0)
                    + " and down.5.bias " + Arrays.toString(down5) + "; expected [hidden, features] and [outputs]");
        }
        int features;
        int hidden;
        int outputs;
        String source;
        if (config == null) {
            features = Math.toIntExact(up0[1]);
            hidden = Math.toIntExact(up0[0]);
            outputs = Math.toIntExact(down5[0]);
            source = "inferred from up.0.weight and down.5.bias (no " + configFile.getFileName() + ")";
        } else {
            features = config.features() > 0 ? config.features() : DEFAULT_FEATURES;
            hidden = config.hidden() > 0 ? config.hidden() : DEFAULT_HIDDEN;
            outputs = config.outputs() > 0 ? config.outputs() : DEFAULT_OUTPUTS;
            source = "from model_params in " + configFile;
        }
        if (outputs < 1) throw new IOException(safetensorsFile + ": a head needs at least one output, " + source);

        Map<String, long[]> shapes = expectedShapes(features, hidden, outputs);
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            SafetensorsFile.Tensor t = tensors.get(e.getKey());
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new IOException(safetensorsFile + ": tensor " + e.getKey() + " has shape " + t.shapeText()
                        + ", expected " + Arrays.toString(e.getValue()) + " (features=" + features + ", hidden=" + hidden
                        + ", outputs=" + outputs + " " + source + ")");
            }
        }
        List<String> labels = labels(safetensorsFile, config, outputs);

        NDManager manager = NDManager.newBaseManager(device, "PyTorch");
        try {
            NDArray[] w = new NDArray[LAYERS.size()];
            NDArray[] b = new NDArray[LAYERS.size()];
            for (int i = 0; i < LAYERS.size(); i++) {
                SafetensorsFile.Tensor weight = tensors.get(LAYERS.get(i) + ".weight");
                long[] s = weight.shape();
                int out = (int) s[0];
                int in = (int) s[1];
                w[i] = manager.create(transpose(weight.values(), out, in), new Shape(in, out));
                b[i] = manager.create(tensors.get(LAYERS.get(i) + ".bias").values(), new Shape(out));
            }
            return new CityHead(name, config == null ? "" : config.revision(), labels, features, manager, w, b);
        } catch (RuntimeException e) {
            manager.close();
            throw new IOException(safetensorsFile + ": could not create the head's tensors on " + device + ": "
                    + e.getMessage(), e);
        }
    }

    private static List<String> labels(Path file, HeadConfig config, int outputs) throws IOException {
        if (config != null) {
            if (config.arch().equals("score") && outputs != 1) {
                throw new IOException(file + ": config says arch \"score\" but the head has " + outputs + " outputs");
            }
            for (int index : config.labels().keySet()) {
                if (index >= outputs) {
                    throw new IOException(file + ": config has label \"" + index + "\" but the head has only "
                            + outputs + " outputs");
                }
            }
        }
        if (outputs == 1) return List.of("score");
        List<String> labels = new ArrayList<>(outputs);
        // city96's format_pred: labels.get(str(k), str(k)): a label missing from the config is its index.
        for (int i = 0; i < outputs; i++) {
            labels.add(config == null ? Integer.toString(i) : config.labels().getOrDefault(i, Integer.toString(i)));
        }
        return labels;
    }

    private static List<String> expectedKeys() {
        List<String> keys = new ArrayList<>();
        for (String layer : LAYERS) {
            keys.add(layer + ".weight");
            keys.add(layer + ".bias");
        }
        return keys;
    }

    /** The state dict of {@code PredictorModel(features, outputs, hidden)}: tensor name to torch shape, in forward order. */
    public static Map<String, long[]> expectedShapes(int features, int hidden, int outputs) {
        long[][] io = {
                {features, hidden}, {hidden, hidden}, {hidden, hidden}, {hidden, hidden},
                {hidden, DOWN_WIDTHS[0]}, {DOWN_WIDTHS[0], DOWN_WIDTHS[1]}, {DOWN_WIDTHS[1], DOWN_WIDTHS[2]},
                {DOWN_WIDTHS[2], outputs}};
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (int i = 0; i < LAYERS.size(); i++) {
            shapes.put(LAYERS.get(i) + ".weight", new long[] {io[i][1], io[i][0]});
            shapes.put(LAYERS.get(i) + ".bias", new long[] {io[i][1]});
        }
        return shapes;
    }

    private static float[] transpose(float[] rowMajor, int rows, int cols) {
        float[] t = new float[rowMajor.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) t[c * rows + r] = rowMajor[r * cols + c];
        }
        return t;
    }

    /** What kind of head this is: a score head for one output, a classifier otherwise. */
    public Head head() {
        return head;
    }

    /** The .safetensors file name without extension, e.g. CCAnime-ChromaticAberration-v1.16. */
    public String name() {
        return head.name();
    }

    /** The config's rev, e.g. v1.16; "" without a config. */
    public String revision() {
        return head.revision();
    }

    /** Label names in output order; {@code ["score"]} for a score head. */
    public List<String> labels() {
        return head.labels();
    }

    /** Embedding width the head expects (768 for CLIP ViT-L/14). */
    public int features() {
        return features;
    }

    /**
     * Runs the head on a batch of embeddings.
     *
     * @return [n][outputs], as the head's kind decodes them ({@link Head#decode})
     */
    public float[][] apply(float[][] embeddings) throws StageException {
        int n = embeddings.length;
        if (n == 0) return new float[0][];
        float[] flat = new float[n * features];
        for (int i = 0; i < n; i++) {
            if (embeddings[i].length != features) {
                throw new StageException(Stage.INFER, FailureCode.INTERNAL, "head " + name() + " takes " + features
                        + "-wide embeddings, embedding " + i + " has " + embeddings[i].length);
            }
            System.arraycopy(embeddings[i], 0, flat, i * features, features);
        }
        int outputs = head.labels().size();
        float[] out;
        // Every intermediate is attached to the per-call manager (DJL attaches a result to its first operand's).
        try (NDManager call = weights.newSubManager()) {
            NDArray x = call.create(flat, new Shape(n, features));
            NDArray y = linear(x, 0);
            NDArray r = Activation.leakyRelu(linear(y, 1), 0.1f);
            r = Activation.leakyRelu(linear(r, 2), 0.1f);
            y = Activation.relu(linear(r, 3).addi(y));
            NDArray z = linear(linear(y, 4), 5);
            z = Activation.leakyRelu(z, 0.01f); // nn.LeakyReLU()'s default slope
            z = linear(linear(z, 6), 7);
            out = head.decode(z).toFloatArray();
        } catch (RuntimeException e) {
            throw new StageException(Stage.INFER, FailureCode.MODEL_ERROR, "head " + name() + " failed on a batch of "
                    + n + ": " + e.getMessage(), e);
        }
        float[][] result = new float[n][outputs];
        for (int i = 0; i < n; i++) System.arraycopy(out, i * outputs, result[i], 0, outputs);
        return result;
    }

    private NDArray linear(NDArray x, int layer) {
        return x.matMul(w[layer]).addi(b[layer]); // in place: the product is a fresh array, no second allocation
    }

    @Override
    public void close() {
        weights.close();
    }

    @Override
    public String toString() {
        return "CityHead[" + name() + " " + head.kind() + " " + labels() + "]";
    }
}
