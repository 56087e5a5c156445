package dev.sieve.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code --device} names: {@code cpu}, {@code gpu} (the first GPU) or {@code gpu:N}. DJL's own parser reads
 * neither {@code gpu:N} (it wants {@code gpu1}) nor refuses names it has no engine for ({@code cuda} fails deep in
 * the model load), so sieve parses the option itself and checks the GPU against the ones libtorch sees before any
 * model loads. In a pod given one {@code nvidia.com/gpu}, that GPU is always {@code gpu} (= {@code gpu:0}): the
 * device plugin exposes only the pod's own GPUs, numbered from 0.
 */
record DeviceChoice(String option, int gpu) {
    private static final Pattern FORM = Pattern.compile("cpu|gpu(?::(\\d{1,4}))?");

    /** No GPU: the CPU. */
    static final int CPU = -1;

    static DeviceChoice parse(String option) {
        Matcher m = FORM.matcher(option == null ? "" : option);
        if (!m.matches()) {
            throw new IllegalArgumentException("--device " + option + ": expected cpu, gpu or gpu:N (N counts from 0)");
        }
        if (option.equals("cpu")) return new DeviceChoice(option, CPU);
        return new DeviceChoice(option, m.group(1) == null ? 0 : Integer.parseInt(m.group(1)));
    }

    /** The DJL device, once libtorch's GPU count allows it. */
    Device check(int gpusVisible) {
        if (gpu == CPU) return Device.cpu();
        if (gpu >= gpusVisible) {
            throw new IllegalArgumentException("--device " + option + ": libtorch sees " + gpusVisible + " GPU(s)"
                    + (gpusVisible > 0 ? ", numbered 0 to " + (gpusVisible - 1) : "")
                    + ". A GPU needs the CUDA image (docker/Dockerfile.cuda) and the NVIDIA runtime; in Kubernetes a pod"
                    + " sees only the GPUs it requests (nvidia.com/gpu), numbered from 0, so use --device gpu there.");
        }
        return Device.gpu(gpu);
    }

    /** {@link #check} against the GPUs the PyTorch engine sees on this machine. */
    Device resolve() {
        return check(gpu == CPU ? 0 : Engine.getEngine("PyTorch").getGpuCount());
    }
}
