package dev.sieve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.sieve.image.device.PreprocessOn;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code --preprocess-on host|device} on `sieve score`: the same scores either way (the device step is the host path's
 * to the bit, and a mode it lacks is prepared on the host), with the fixture CLIP, a classifier and a score head
 * (so tiled images also send their whole image through the device step).
 */
class PreprocessOnOptionTest {
    /** Tiled and not, resized and not, every mode the device step covers, and CMYK, which it does not. */
    private static final List<String> IMAGES = List.of("rgb_1640x1560_tiled_resized_down.png",
            "rgba_1600x1000_tiled_resized.png", "la_1600x800_tiled_resized.png", "l_500x350.png",
            "p_transparency_900x700_tiled.png", "bilevel_1600x900_tiled_resized.png", "rgb_2000x40_extreme_wide.png",
            "jpeg_cmyk_1600x800_tiled_resized.jpg");

    @Test
    void scoresTheSameOnTheDeviceAsOnTheHost() {
        Result host = score("host");
        Result device = score("device");

        assertThat(host.code()).as(host.err()).isZero();
        assertThat(device.code()).as(device.err()).isZero();
        assertThat(host.err()).contains("preprocessing on the host");
        assertThat(device.err()).contains("preprocessing on the model's device (cpu)");
        assertThat(device.out().lines().toList()).hasSize(IMAGES.size()).isEqualTo(host.out().lines().toList());
    }

    @Test
    void defaultsToTheDeviceOnAGpuAndToTheHostOnTheCpu() {
        ModelOptions options = new ModelOptions();
        assertThat(options.preprocessOn(Device.gpu())).isEqualTo(PreprocessOn.DEVICE);
        assertThat(options.preprocessOn(Device.cpu())).isEqualTo(PreprocessOn.HOST);
    }

    private static Result score(String where) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> args = new ArrayList<>(List.of("score", "--json", "--device", "cpu", "--preprocess-on", where,
                "--clip", DeviceOptionTest.repo().resolve("models/fixtures/clip-tiny-336/clip-tiny-336.pt").toString(),
                "--heads-dir", DeviceOptionTest.repo().resolve("models/fixtures/heads").toString()));
        for (String image : IMAGES) {
            args.add(DeviceOptionTest.repo().resolve("worker/src/test/resources/image/cases/" + image).toString());
        }
        // The model stage logs where it preprocesses on System.err, beside picocli's own stream.
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stderr = System.err;
        System.setErr(new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8));
        int code;
        try {
            code = Sieve.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                    .execute(args.toArray(String[]::new));
        } finally {
            System.setErr(stderr);
        }
        return new Result(code, out.toString(), err + log.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    private record Result(int code, String out, String err) {}
}
