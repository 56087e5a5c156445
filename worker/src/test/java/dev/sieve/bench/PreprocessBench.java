package dev.sieve.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sieve.image.clip.ClipPreprocessing;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.PreparedImage;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Images/s per core of fetch-free decode + tile + CLIP preprocessing ({@link ImagePreparer#prepare}, tiling on, no
 * whole image) on {@link BenchImages#PREPROCESS_SET}, and of the Python reference (scripts/bench-preprocess.py:
 * Pillow + torchvision + numpy, scripts/reference/preprocess.py) on the same files in the same run.
 *
 * <p>Options: {@code --out DIR}, {@code --passes N} (timed passes over the set, default 3, after one warm-up pass),
 * {@code --taskset "taskset -c 0"} (prefix for the Python process, so both sides run on one core),
 * {@code --python PATH} (default /usr/bin/python3; "none" skips the reference), {@code --jpeg-decoder AUTO|IMAGEIO}
 * and {@code --dct-scaling true|false} (sieve's decode options, default: {@link DecodeOptions#defaults()}),
 * {@code --device-mode true|false} (default true: also the host's CPU per image with {@code --preprocess-on device}
 * and the device step on libtorch's CPU, {@link DeviceModeBench}).
 */
public final class PreprocessBench {

    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse(args);
        int passes = options.integer("passes", 3);
        List<Path> files = BenchImages.ensure(options.out().resolve("images"), BenchImages.PREPROCESS_SET);
        DecodeOptions defaults = DecodeOptions.defaults();
        DecodeOptions decodeOptions = new DecodeOptions(defaults.maxPixels(), defaults.exifOrientation(),
                DecodeOptions.JpegDecoder.valueOf(options.string("jpeg-decoder", defaults.jpegDecoder().name())),
                Boolean.parseBoolean(options.string("dct-scaling", String.valueOf(defaults.dctScaling()))));
        System.out.println("sieve decode options: " + decodeOptions + ", libjpeg-turbo in use: "
                + new dev.sieve.image.decode.ImageDecoder(decodeOptions).usesTurboJpeg() + ", libdeflate in use: "
                + new dev.sieve.image.decode.ImageDecoder(decodeOptions).usesLibDeflate());
        ImagePreparer preparer = new ImagePreparer(ClipPreprocessing.openaiClip336(), decodeOptions, true);

        List<byte[]> bytes = new ArrayList<>();
        for (Path f : files) bytes.add(Files.readAllBytes(f));
        for (byte[] b : bytes) preparer.prepare(b, false); // warm-up: JIT, ImageIO's plugin lookup
        long[][] nanos = new long[files.size()][passes];
        long[][] decode = new long[files.size()][passes];
        // This thread's CPU time too: on a machine others load, wall time also counts the waits for the core, CPU
        // time far less (both sides measure it the same way; python: time.thread_time()).
        long[][] cpu = new long[files.size()][passes];
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long start = System.nanoTime();
        long cpuStart = threads.getCurrentThreadCpuTime();
        for (int p = 0; p < passes; p++) {
            for (int i = 0; i < files.size(); i++) {
                long t = System.nanoTime();
                long c = threads.getCurrentThreadCpuTime();
                PreparedImage prepared = preparer.prepare(bytes.get(i), false);
                cpu[i][p] = threads.getCurrentThreadCpuTime() - c;
                nanos[i][p] = System.nanoTime() - t;
                decode[i][p] = prepared.decodeNanos();
            }
        }
        double javaRate = passes * files.size() / ((System.nanoTime() - start) / 1e9);
        double javaCpuRate = passes * files.size() / ((threads.getCurrentThreadCpuTime() - cpuStart) / 1e9);

        JsonObject python = runPython(options, files, passes);
        double pythonRate = python == null ? Double.NaN : python.get("images_per_s").getAsDouble();
        double pythonCpuRate = python == null || !python.has("cpu_images_per_s") ? Double.NaN
                : python.get("cpu_images_per_s").getAsDouble();

        // Device mode (issue 17), on the same images in the same run; --device-mode false skips it (no libtorch).
        boolean deviceMode = Boolean.parseBoolean(options.string("device-mode", "true"));
        DeviceModeBench.Figures[] device = deviceMode ? DeviceModeBench.run(bytes, decodeOptions, passes) : null;

        BenchReport report = new BenchReport("preprocess");
        report.row("image", "MP", "bytes KB", "java ms", "of which decode ms", "python ms", "java/python",
                "java cpu ms", "python cpu ms", "cpu ratio");
        List<Map<String, Object>> perFile = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            BenchImages.Spec spec = BenchImages.PREPROCESS_SET.get(i);
            double javaMs = median(nanos[i]) / 1e6, decodeMs = median(decode[i]) / 1e6;
            double pyMs = python == null ? Double.NaN
                    : python.getAsJsonObject("per_file_ms").get(files.get(i).getFileName().toString()).getAsDouble();
            double javaCpuMs = median(cpu[i]) / 1e6;
            double pyCpuMs = python == null || !python.has("per_file_cpu_ms") ? Double.NaN
                    : python.getAsJsonObject("per_file_cpu_ms").get(files.get(i).getFileName().toString()).getAsDouble();
            report.row(spec.fileName(), spec.megapixels(), bytes.get(i).length >> 10, javaMs, decodeMs, pyMs, pyMs / javaMs,
                    javaCpuMs, pyCpuMs, pyCpuMs / javaCpuMs);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("file", spec.fileName());
            f.put("megapixels", spec.megapixels());
            f.put("bytes", bytes.get(i).length);
            f.put("java_ms_median", javaMs);
            f.put("java_decode_ms_median", decodeMs);
            f.put("python_ms_median", pyMs);
            f.put("java_cpu_ms_median", javaCpuMs);
            f.put("python_cpu_ms_median", pyCpuMs);
            if (device != null) {
                DeviceModeBench.Figures d = device[i];
                f.put("device_mode_host_cpu_ms_median", d.hostCpuMs());
                f.put("device_mode_staging_copy_ms_median", d.stagingCopyMs());
                f.put("device_mode_host_work_ratio", javaCpuMs / d.hostWorkMs());
                f.put("device_step_libtorch_cpu_ms_median", d.stepMs());
                f.put("device_step_libtorch_cpu_thread_ms_median", d.stepCpuMs());
                f.put("device_step_exact", d.exact());
            }
            perFile.add(f);
        }
        if (device != null) {
            // Its own table (target/bench/preprocess-device.json): host CPU per image in each mode, the device step.
            BenchReport table = new BenchReport("preprocess-device");
            table.row("image", "MP", "host mode cpu ms", "device mode host cpu ms", "+ staging copy ms", "host ratio",
                    "device step ms (libtorch cpu)", "its thread cpu ms", "exact");
            for (int i = 0; i < files.size(); i++) {
                DeviceModeBench.Figures d = device[i];
                double hostMs = median(cpu[i]) / 1e6;
                table.row(BenchImages.PREPROCESS_SET.get(i).fileName(), BenchImages.PREPROCESS_SET.get(i).megapixels(),
                        hostMs, d.hostCpuMs(), d.stagingCopyMs(), hostMs / d.hostWorkMs(), d.stepMs(), d.stepCpuMs(),
                        d.exact() ? "yes" : "NO");
            }
            table.put("passes", passes).put("files", perFile).put("target_host_work_ratio_2_to_8_mp", 4.0)
                    .finish(options.out());
        }
        double ratio = javaRate / pythonRate;
        double cpuRatio = javaCpuRate / pythonCpuRate;
        report.row("ALL (images/s per core)", "", "", javaRate, "", pythonRate, ratio, javaCpuRate, pythonCpuRate,
                cpuRatio);
        report.put("passes", passes)
                .put("pinned", options.string("taskset", ""))
                .put("java_images_per_s_per_core", javaRate)
                .put("python_images_per_s_per_core", pythonRate)
                .put("ratio_java_to_python", ratio)
                .put("java_images_per_cpu_s", javaCpuRate)
                .put("python_images_per_cpu_s", pythonCpuRate)
                .put("cpu_ratio_java_to_python", cpuRatio)
                .put("target_ratio", 2.0)
                .put("files", perFile)
                .finish(options.out());
        System.out.printf("Java %.2f images/s, Python %.2f images/s per core: ratio %.2f (target >= 2); by CPU time"
                + " %.2f and %.2f images/s: ratio %.2f%n", javaRate, pythonRate, ratio, javaCpuRate, pythonCpuRate, cpuRatio);
    }

    static JsonObject runPython(BenchOptions options, List<Path> files, int passes) throws IOException, InterruptedException {
        String python = options.string("python", "/usr/bin/python3");
        if (python.equals("none") || !Files.isExecutable(Path.of(python))) return null;
        Path repo = Path.of(System.getProperty("sieve.repo", ".."));
        List<String> command = new ArrayList<>();
        String taskset = options.string("taskset", "").trim();
        if (!taskset.isEmpty()) command.addAll(Arrays.asList(taskset.split("\\s+")));
        command.add(python);
        command.add(repo.resolve("scripts/bench-preprocess.py").toString());
        command.add(String.valueOf(passes));
        for (Path f : files) command.add(f.toAbsolutePath().toString());
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) throw new IOException("python reference failed: " + command);
        return JsonParser.parseString(out.trim()).getAsJsonObject();
    }

    static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
