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
import dev.sieve.image.Pixels;
import dev.sieve.image.clip.ClipPreprocessing;
import dev.sieve.image.clip.ClipProcessor;
import dev.sieve.image.device.DeviceImage;
import dev.sieve.image.device.DevicePlan;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The device step of {@code --preprocess-on device}: runs city96's tiling and CLIP's preprocessing on the device CLIP
 * runs on, from the decoded pixels and the tables of {@link DevicePlan}, with Pillow's integer arithmetic, so the CLIP
 * input is the host path's to the bit. The module ({@code pillow-preprocess.pt}) is TorchScript written by
 * scripts/models/export_pillow_preprocess.py: it holds no weights and no geometry, only the integer ops.
 *
 * <p>One image per call: its pixels go to the device in one copy, its working tensors are freed before the next image,
 * so the device holds one image's work at a time (about 30 bytes per RGB pixel at the peak) plus the batch's crops.
 * Thread-safe as {@link ClipEmbedder} is: a predictor per concurrent call.
 */
public final class DevicePreprocessor implements AutoCloseable {

    static final String MODULE = "/dev/sieve/model/pillow-preprocess.pt";

    private final Model model;
    private final ClipPreprocessing clip;
    private final float[] normalised;
    private final PredictorPool predictors;
    /** One staging buffer per thread for the pixels' host-to-device copy (direct memory, reused: no allocation). */
    private final ThreadLocal<ByteBuffer> staging = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(0));

    private DevicePreprocessor(Model model, ClipPreprocessing clip) {
        this.model = model;
        this.predictors = new PredictorPool(model);
        this.clip = clip;
        this.normalised = new ClipProcessor(clip).normalisedValues();
    }

    public static DevicePreprocessor load(Device device, ClipPreprocessing clip) throws IOException {
        Model model = Model.newInstance("pillow-preprocess", device, "PyTorch");
        try (InputStream in = DevicePreprocessor.class.getResourceAsStream(MODULE)) {
            if (in == null) {
                throw new IOException("the jar lacks " + MODULE + " (scripts/models/export_pillow_preprocess.py)");
            }
            model.load(in);
        } catch (MalformedModelException | IOException | RuntimeException e) {
            model.close();
            throw new IOException("could not load the device preprocessing module on " + device + ": "
                    + e.getMessage(), e);
        }
        return new DevicePreprocessor(model, clip);
    }

    /** A manager on the step's device, for the crops of a batch. */
    public NDManager newManager() {
        return model.getNDManager().newSubManager();
    }

    /**
     * The image's CLIP input rows, [crops, 3, S, S] float32 on the device, attached to {@code into}: the five tiles
     * then the whole image when tiled (the whole only when the plan has it), or the one crop. Gives the image's share
     * of the pixel budget back once its pixels are on the device (or the step failed).
     */
    public NDArray prepare(DeviceImage image, NDManager into) throws StageException {
        DevicePlan plan = image.plan();
        int size = clip.cropSize();
        Predictor<NDList, NDList> predictor = predictors.borrow();
        try (NDManager call = into.newSubManager()) {
            NDList inputs = inputs(call, image.pixels(), plan);
            image.uploaded();
            NDList output = predictor.predict(inputs);
            output.attach(call);
            NDArray crops = output.head();
            Shape shape = crops.getShape();
            if (output.size() != 1 || !shape.equals(new Shape(plan.crops(), 3, size, size))
                    || crops.getDataType() != DataType.FLOAT32) {
                throw new StageException(Stage.PREPROCESS, FailureCode.INTERNAL, "the device step returned "
                        + output.size() + " outputs, the first " + shape + " " + crops.getDataType() + "; expected ("
                        + plan.crops() + ", 3, " + size + ", " + size + ") float32");
            }
            crops.attach(into);
            return crops;
        } catch (TranslateException | RuntimeException e) {
            throw new StageException(Stage.PREPROCESS, FailureCode.INTERNAL, "the device step failed on a "
                    + image.pixels().width() + "x" + image.pixels().height() + " " + image.pixels().mode() + " image: "
                    + e.getMessage(), e);
        } finally {
            image.uploaded();
            predictors.giveBack(predictor);
        }
    }

    private NDList inputs(NDManager m, Pixels pixels, DevicePlan plan) {
        byte[] data = pixels.data();
        ByteBuffer buffer = staging.get();
        if (buffer.capacity() < data.length) {
            buffer = ByteBuffer.allocateDirect(data.length).order(ByteOrder.nativeOrder());
            staging.set(buffer);
        }
        buffer.clear();
        buffer.put(data).flip();
        NDList in = new NDList(12);
        in.add(m.create(buffer, new Shape(pixels.height(), pixels.width(), pixels.mode().channels()), DataType.UINT8));
        in.add(m.create(plan.params()));
        addResize(m, in, plan.step());
        addResize(m, in, plan.tile());
        addResize(m, in, plan.whole());
        in.add(m.create(normalised, new Shape(3, 256)));
        return in;
    }

    /** rows, horizontal, vertical; empty tensors for a resize the plan has not. */
    private static void addResize(NDManager m, NDList in, DevicePlan.Resize r) {
        if (r == null) {
            in.add(m.create(new long[0], new Shape(0)));
            in.add(m.create(new long[0], new Shape(2, 0, 1)));
            in.add(m.create(new long[0], new Shape(2, 0, 1)));
            return;
        }
        in.add(m.create(r.rows()));
        in.add(m.create(r.horizontal().table(), new Shape(2, r.horizontal().outputs(), r.horizontal().taps())));
        in.add(m.create(r.vertical().table(), new Shape(2, r.vertical().outputs(), r.vertical().taps())));
    }

    @Override
    public void close() {
        predictors.close();
        model.close();
    }
}
