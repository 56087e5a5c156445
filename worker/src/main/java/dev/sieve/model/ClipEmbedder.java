package dev.sieve.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.TranslateException;
import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import dev.sieve.image.clip.ClipPreprocessing;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * CLIP's image tower as a TorchScript file ({@code <id>.pt}, see models/README.md) that maps
 * float32 [N, 3, S, S] normalised crops to [N, 768] {@code image_embeds}, with its
 * {@code preprocessor_config.json} in the same folder.
 *
 * <p>Thread-safe: the model is shared, and each call borrows a predictor from a pool (DJL predictors are not
 * thread-safe), so concurrent calls run concurrently.
 */
public final class ClipEmbedder implements AutoCloseable {

    /** CLIP ViT-L/14's projection width, what city96's heads take. */
    public static final int EMBEDDING_WIDTH = 768;

    private final Model model;
    private final ClipPreprocessing preprocessing;
    private final String id;
    private final String digest;
    private final DataType precision;
    private final PredictorPool predictors;
    private volatile boolean closed;

    private ClipEmbedder(Model model, ClipPreprocessing preprocessing, String id, String digest, DataType precision) {
        this.precision = precision;
        this.model = model;
        this.predictors = new PredictorPool(model);
        this.preprocessing = preprocessing;
        this.id = id;
        this.digest = digest;
    }

    public static ClipEmbedder load(Path torchScriptFile, Device device) throws IOException {
        if (!Files.isRegularFile(torchScriptFile)) {
            throw new IOException("no CLIP TorchScript file at " + torchScriptFile + " (see models/README.md)");
        }
        String fileName = torchScriptFile.getFileName().toString();
        if (!fileName.endsWith(".pt")) {
            throw new IOException("CLIP file " + torchScriptFile + " must be a TorchScript .pt file");
        }
        String id = fileName.substring(0, fileName.length() - ".pt".length());
        Path folder = torchScriptFile.toAbsolutePath().getParent();
        ClipPreprocessing preprocessing = ClipPreprocessing.read(folder.resolve("preprocessor_config.json"));
        String digest = sha256(torchScriptFile);
        Model model = Model.newInstance(id, device, "PyTorch");
        try {
            model.load(folder, id);
        } catch (MalformedModelException | IOException | RuntimeException e) {
            model.close();
            throw new IOException("could not load " + torchScriptFile + " as TorchScript on " + device + ": "
                    + e.getMessage(), e);
        }
        DataType precision = weightType(model);
        if (precision == DataType.FLOAT16 && !device.isGpu()) {
            model.close();
            throw new IOException(torchScriptFile + " holds fp16 weights, an export for GPU workers: half precision "
                    + "on the CPU is slow or unsupported in libtorch. Use --device gpu, or export fp32 for CPU workers "
                    + "(scripts/export-clip without --fp16; models/README.md)");
        }
        return new ClipEmbedder(model, preprocessing, id, digest, precision);
    }

    /** The type of the module's floating-point weights (its precision), read from its first such parameter. */
    private static DataType weightType(Model model) {
        for (var p : model.getBlock().getParameters()) {
            if (p.getValue().isInitialized() && p.getValue().getArray().getDataType().isFloating()) {
                return p.getValue().getArray().getDataType();
            }
        }
        return DataType.FLOAT32; // no floating-point weights: nothing to say, the input contract is float32 anyway
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) sha.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    public ClipPreprocessing preprocessing() {
        return preprocessing;
    }

    /** The TorchScript file's name without .pt, e.g. clip-vit-large-patch14-336. */
    public String id() {
        return id;
    }

    /** The weights' type: FLOAT32 for a CPU export, FLOAT16 for `export-clip --fp16` (GPU workers). */
    public DataType precision() {
        return precision;
    }

    /** sha256 of the TorchScript file, hex. */
    public String digest() {
        return digest;
    }

    /**
     * Embeds {@code count} crops.
     *
     * @param pixels count x 3 x S x S floats, CHW per crop, already normalised
     * @return [count][768] image embeddings (not normalised, as city96's heads expect)
     */
    public float[][] embed(float[] pixels, int count) throws StageException {
        checkCount(pixels.length, count);
        if (count == 0) return new float[0][];
        CropBatch batch = new CropBatch(preprocessing.cropFloats());
        batch.start(count).put(pixels);
        return embed(batch, count);
    }

    /**
     * Embeds the first {@code count} crops of a batch buffer that the caller filled ({@link CropBatch#start}).
     * libtorch reads the buffer in place (a direct, native-order buffer becomes the input tensor without a copy), so
     * the caller must not touch it until this returns.
     */
    public float[][] embed(CropBatch batch, int count) throws StageException {
        checkCount(batch.floats(), count);
        if (count == 0) return new float[0][];
        int size = preprocessing.cropSize();
        try (NDManager call = model.getNDManager().newSubManager()) {
            return forward(call, call.create(batch.bytes(), new Shape(count, 3, size, size), DataType.FLOAT32), count);
        }
    }

    /**
     * Embeds crops already on the model's device ({@link DevicePreprocessor}'s output): [count, 3, S, S] float32.
     * The caller keeps the input (and closes its manager).
     */
    public float[][] embed(NDArray input) throws StageException {
        int size = preprocessing.cropSize();
        Shape shape = input.getShape();
        if (shape.dimension() != 4 || shape.get(1) != 3 || shape.get(2) != size || shape.get(3) != size
                || input.getDataType() != DataType.FLOAT32) {
            throw new StageException(Stage.INFER, FailureCode.INTERNAL, "CLIP " + id + " takes [N, 3, " + size + ", "
                    + size + "] float32; got " + shape + " " + input.getDataType());
        }
        int count = Math.toIntExact(shape.get(0));
        if (count == 0) return new float[0][];
        try (NDManager call = model.getNDManager().newSubManager()) {
            return forward(call, input, count);
        }
    }

    private float[][] forward(NDManager call, NDArray input, int count) throws StageException {
        Predictor<NDList, NDList> predictor = borrow();
        float[] flat;
        try {
            NDList output = predictor.predict(new NDList(input));
            output.attach(call);
            if (output.size() != 1) {
                throw new StageException(Stage.INFER, FailureCode.MODEL_ERROR, "CLIP " + id + " returned "
                        + output.size() + " outputs, expected one [" + count + ", " + EMBEDDING_WIDTH + "] tensor");
            }
            NDArray embeds = output.head();
            Shape shape = embeds.getShape();
            if (shape.dimension() != 2 || shape.get(0) != count || shape.get(1) != EMBEDDING_WIDTH) {
                throw new StageException(Stage.INFER, FailureCode.MODEL_ERROR, "CLIP " + id + " returned shape "
                        + shape + ", expected (" + count + ", " + EMBEDDING_WIDTH + ")");
            }
            // A half-precision export returns fp16 embeddings; the heads run in float32 as in city96's inference.
            flat = embeds.toType(DataType.FLOAT32, false).toFloatArray();
        } catch (TranslateException | RuntimeException e) {
            throw new StageException(Stage.INFER, FailureCode.MODEL_ERROR, "CLIP " + id + " failed on " + count
                    + " crops: " + e.getMessage(), e);
        } finally {
            predictors.giveBack(predictor);
        }
        float[][] result = new float[count][EMBEDDING_WIDTH];
        for (int i = 0; i < count; i++) System.arraycopy(flat, i * EMBEDDING_WIDTH, result[i], 0, EMBEDDING_WIDTH);
        return result;
    }

    private void checkCount(long floats, int count) throws StageException {
        int size = preprocessing.cropSize();
        int perCrop = preprocessing.cropFloats();
        if (count < 0 || (long) count * perCrop != floats) {
            throw new StageException(Stage.INFER, FailureCode.INTERNAL, "CLIP " + id + " takes " + perCrop
                    + " floats per crop (3x" + size + "x" + size + "); got " + floats + " floats for " + count + " crops");
        }
    }

    private Predictor<NDList, NDList> borrow() {
        if (closed) throw new IllegalStateException("CLIP " + id + " is closed");
        return predictors.borrow();
    }

    @Override
    public void close() {
        if (closed) return; // the Scorer closes its embedder too; a second close must be harmless
        closed = true;
        predictors.close();
        model.close();
    }
}
