package dev.sieve.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.PreparedImage;
import dev.sieve.image.clip.ClipPreprocessing;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.device.PreprocessOn;
import dev.sieve.model.DevicePreprocessor;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * The device mode of {@code scripts/bench preprocess} (issue 17): on the same encoded images, the host's CPU time per
 * image when the preprocessing runs where the model runs — the decode, the device step's tables, and the copy of the
 * decoded pixels into the staging buffer the upload reads — and the device step's own time on libtorch's CPU (one
 * intra-op thread, as the bench pins one core). Every image's device output is checked against the host path's floats
 * first: a figure for a step that is not exact would mean nothing.
 */
final class DeviceModeBench {

    /** Per image, medians over the passes (ms): the host's figures and the step's are this thread's CPU time. */
    record Figures(double hostCpuMs, double stagingCopyMs, double stepMs, double stepCpuMs, boolean exact) {
        double hostWorkMs() {
            return hostCpuMs + stagingCopyMs;
        }
    }

    private DeviceModeBench() {
    }

    static Figures[] run(List<byte[]> images, DecodeOptions decode, int passes) throws Exception {
        ClipPreprocessing clip = ClipPreprocessing.openaiClip336();
        ImagePreparer host = new ImagePreparer(clip, decode, true);
        ImagePreparer onDevice = new ImagePreparer(clip, decode, true, PreprocessOn.DEVICE);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Figures[] out = new Figures[images.size()];
        try (DevicePreprocessor step = DevicePreprocessor.load(Device.cpu(), clip)) {
            boolean[] exact = new boolean[images.size()];
            for (int i = 0; i < images.size(); i++) { // warm-up, and the check that the step is the host path's
                float[] expected = host.prepare(images.get(i), false).tiles();
                PreparedImage prepared = onDevice.prepare(images.get(i), false);
                try (NDManager batch = step.newManager()) {
                    exact[i] = Arrays.equals(expected, step.prepare(prepared.device(), batch).toFloatArray());
                }
            }
            long[][] hostCpu = new long[images.size()][passes];
            long[][] copy = new long[images.size()][passes];
            long[][] stepWall = new long[images.size()][passes];
            long[][] stepCpu = new long[images.size()][passes];
            ByteBuffer staging = ByteBuffer.allocateDirect(0);
            for (int p = 0; p < passes; p++) {
                for (int i = 0; i < images.size(); i++) {
                    long c = threads.getCurrentThreadCpuTime();
                    PreparedImage prepared = onDevice.prepare(images.get(i), false);
                    hostCpu[i][p] = threads.getCurrentThreadCpuTime() - c;
                    // The host's part of the upload: the decoded bytes into direct memory (DevicePreprocessor's copy).
                    byte[] pixels = prepared.device().pixels().data();
                    if (staging.capacity() < pixels.length) {
                        staging = ByteBuffer.allocateDirect(pixels.length).order(ByteOrder.nativeOrder());
                    }
                    c = threads.getCurrentThreadCpuTime();
                    staging.clear();
                    staging.put(pixels);
                    copy[i][p] = threads.getCurrentThreadCpuTime() - c;
                    long t = System.nanoTime();
                    c = threads.getCurrentThreadCpuTime();
                    try (NDManager batch = step.newManager()) {
                        step.prepare(prepared.device(), batch);
                    }
                    stepCpu[i][p] = threads.getCurrentThreadCpuTime() - c;
                    stepWall[i][p] = System.nanoTime() - t;
                }
            }
            for (int i = 0; i < images.size(); i++) {
                out[i] = new Figures(PreprocessBench.median(hostCpu[i]) / 1e6, PreprocessBench.median(copy[i]) / 1e6,
                        PreprocessBench.median(stepWall[i]) / 1e6, PreprocessBench.median(stepCpu[i]) / 1e6, exact[i]);
            }
        }
        return out;
    }
}
