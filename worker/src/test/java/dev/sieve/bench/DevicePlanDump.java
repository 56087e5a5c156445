package dev.sieve.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.PreparedImage;
import dev.sieve.image.Pixels;
import dev.sieve.image.clip.ClipPreprocessing;
import dev.sieve.image.clip.ClipProcessor;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.device.DevicePlan;
import dev.sieve.image.device.PreprocessOn;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes, for each image, every input of the device step ({@code pillow-preprocess.pt}) except the pixels, as the
 * worker builds them ({@link ImagePreparer} with {@link PreprocessOn#DEVICE}, {@link DevicePlan}, default decode
 * options, CLIP 336, tiling on), with the sha256 of sieve's decoded pixels and of the host path's crops (float32
 * little-endian), so that scripts/models/gpu_device_step.py can run the same module on a GPU machine without a JDK,
 * decode the images with Pillow, and check the device's output against the host path's to the bit.
 *
 * <pre>
 *   java -cp worker/target/test-classes:worker/target/classes:$(cat cp.txt) dev.sieve.bench.DevicePlanDump \
 *       --images DIR [--out DIR] [--make-bench-images true] [--smooth-png WxH]... [FILE...]
 * </pre>
 *
 * With {@code --make-bench-images true} (the default when no FILE is named) the images are {@code scripts/bench
 * preprocess}'s set ({@link BenchImages#PREPROCESS_SET}), made in {@code --images} when missing. For each image
 * {@code --smooth-png WxH} adds a PNG of the same drawing without the noise ({@code bench-WxH-smooth.png}: a 24 MP one
 * is a few MB, not 27, for a device run whose files must travel). For each image
 * {@code NAME} it writes {@code NAME.plan.json} (header: geometry, sha256s, and where each array lies in the .bin) and
 * {@code NAME.plan.bin} (the arrays, raw little-endian: int64 tables, float32 lut). Two variants of the plan are kept:
 * the bench's (tiled, no whole image: five crops) and the worker's with score heads (the whole image too: six crops);
 * they differ only in params[3] and the whole image's tables.
 */
public final class DevicePlanDump {

    private DevicePlanDump() {
    }

    public static void main(String[] args) throws Exception {
        Path images = null;
        Path out = null;
        Boolean make = null;
        List<Path> files = new ArrayList<>();
        List<String> smooth = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--images" -> images = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--make-bench-images" -> make = Boolean.parseBoolean(args[++i]);
                case "--smooth-png" -> smooth.add(args[++i]);
                default -> files.add(Path.of(args[i]));
            }
        }
        if (make == null) make = files.isEmpty();
        if (make) {
            if (images == null) throw new IllegalArgumentException("--images DIR is needed to make the bench images");
            files.addAll(BenchImages.ensure(images, BenchImages.PREPROCESS_SET));
        }
        for (String size : smooth) { // WxH: a PNG of the bench's drawing without its noise (far fewer bytes)
            if (images == null) throw new IllegalArgumentException("--images DIR is needed for --smooth-png");
            String[] wh = size.split("x");
            int w = Integer.parseInt(wh[0]), h = Integer.parseInt(wh[1]);
            Path p = images.resolve(String.format("bench-%dx%d-smooth.png", w, h));
            if (!Files.exists(p)) {
                Files.createDirectories(images);
                Files.write(p, BenchImages.encode(BenchImages.draw(w, h, p.getFileName().toString().hashCode(), false),
                        "png"));
            }
            files.add(p);
        }
        if (files.isEmpty()) throw new IllegalArgumentException("no images: name files or --make-bench-images true");
        ClipPreprocessing clip = ClipPreprocessing.openaiClip336();
        DecodeOptions decode = DecodeOptions.defaults();
        ImagePreparer host = new ImagePreparer(clip, decode, true);
        ImagePreparer device = new ImagePreparer(clip, decode, true, PreprocessOn.DEVICE);
        float[] lut = new ClipProcessor(clip).normalisedValues();
        for (Path file : files) {
            Path dir = out != null ? out : file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            byte[] bytes = Files.readAllBytes(file);
            PreparedImage onHost = host.prepare(bytes, true);
            PreparedImage bench = device.prepare(bytes, false);
            PreparedImage withWhole = device.prepare(bytes, true);
            if (bench.device() == null || withWhole.device() == null) {
                throw new IllegalStateException(file + ": prepared on the host (mode not covered by the device step)");
            }
            Pixels pixels = bench.device().pixels();
            DevicePlan plan = bench.device().plan();
            DevicePlan planWhole = withWhole.device().plan();

            JsonObject header = new JsonObject();
            header.addProperty("image", file.getFileName().toString());
            header.addProperty("bytes", bytes.length);
            header.addProperty("width", pixels.width());
            header.addProperty("height", pixels.height());
            header.addProperty("mode", pixels.mode().name());
            header.addProperty("channels", pixels.mode().channels());
            header.addProperty("pixels_sha256", sha256(pixels.data()));
            header.addProperty("crops", plan.crops());
            header.addProperty("crops_with_whole", planWhole.crops());
            header.addProperty("crop_size", clip.cropSize());
            header.addProperty("host_crops_sha256", sha256(floats(onHost.tiles(), null)));
            header.addProperty("host_crops_with_whole_sha256", sha256(floats(onHost.tiles(),
                    onHost.tiled() ? onHost.whole() : null)));
            JsonObject arrays = new JsonObject();
            ByteArrayOutputStream bin = new ByteArrayOutputStream();
            put(arrays, bin, "params", longs(plan.params()), "int64", plan.params().length);
            put(arrays, bin, "params_with_whole", longs(planWhole.params()), "int64", planWhole.params().length);
            putResize(arrays, bin, "step", plan.step());
            putResize(arrays, bin, "tile", plan.tile());
            putResize(arrays, bin, "whole", plan.whole());
            putResize(arrays, bin, "whole_with_whole", planWhole.whole());
            put(arrays, bin, "lut", floats(lut, null), "float32", 3, 256);
            header.add("arrays", arrays);
            String name = file.getFileName().toString();
            Files.write(dir.resolve(name + ".plan.bin"), bin.toByteArray());
            Files.writeString(dir.resolve(name + ".plan.json"),
                    new GsonBuilder().setPrettyPrinting().create().toJson(header), StandardCharsets.UTF_8);
            System.out.printf("%s: %dx%d %s, %d crops (%d with the whole image), plan %d bytes%n", name,
                    pixels.width(), pixels.height(), pixels.mode(), plan.crops(), planWhole.crops(), bin.size());
        }
    }

    /** rows [r], horizontal [2, n, k], vertical [2, m, k]; a missing resize as DevicePreprocessor's empty tensors. */
    private static void putResize(JsonObject arrays, ByteArrayOutputStream bin, String name, DevicePlan.Resize r) {
        if (r == null) {
            put(arrays, bin, name + "_rows", new byte[0], "int64", 0);
            put(arrays, bin, name + "_x", new byte[0], "int64", 2, 0, 1);
            put(arrays, bin, name + "_y", new byte[0], "int64", 2, 0, 1);
            return;
        }
        put(arrays, bin, name + "_rows", longs(r.rows()), "int64", r.rows().length);
        put(arrays, bin, name + "_x", longs(r.horizontal().table()), "int64", 2, r.horizontal().outputs(),
                r.horizontal().taps());
        put(arrays, bin, name + "_y", longs(r.vertical().table()), "int64", 2, r.vertical().outputs(),
                r.vertical().taps());
    }

    private static void put(JsonObject arrays, ByteArrayOutputStream bin, String name, byte[] data, String dtype,
                            int... shape) {
        JsonObject a = new JsonObject();
        a.addProperty("dtype", dtype);
        JsonArray s = new JsonArray();
        for (int d : shape) s.add(d);
        a.add("shape", s);
        a.addProperty("offset", bin.size());
        a.addProperty("nbytes", data.length);
        arrays.add(name, a);
        bin.writeBytes(data);
    }

    private static byte[] longs(long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) b.putLong(v);
        return b.array();
    }

    private static byte[] floats(float[] first, float[] second) {
        int n = first.length + (second == null ? 0 : second.length);
        ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : first) b.putFloat(v);
        if (second != null) for (float v : second) b.putFloat(v);
        return b.array();
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
