package dev.sieve.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sieve.image.device.PreprocessOn;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code --preprocess-on host|device} on `sieve score`: the same scores either way, to libtorch's rounding (the device
 * step is the host path's to the bit, and a mode it lacks is prepared on the host), with the fixture CLIP, a classifier and a score head
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
        List<String> hostLines = host.out().lines().toList();
        List<String> deviceLines = device.out().lines().toList();
        assertThat(deviceLines).hasSize(IMAGES.size());
        for (int i = 0; i < IMAGES.size(); i++) {
            JsonObject h = JsonParser.parseString(hostLines.get(i)).getAsJsonObject();
            JsonObject d = JsonParser.parseString(deviceLines.get(i)).getAsJsonObject();
            assertThat(d.get("tiled")).as(IMAGES.get(i)).isEqualTo(h.get("tiled"));
            assertThat(d.get("tags")).as(IMAGES.get(i)).isEqualTo(h.get("tags"));
            assertSameScores(IMAGES.get(i), h.getAsJsonObject("heads"), d.getAsJsonObject("heads"));
        }
    }

    /**
     * The CLIP input is the same tensor (DevicePreprocessorTest checks it bit for bit), but libtorch's CPU matmul may
     * round differently for an input in other memory (the device path's concatenation, not the reused batch
     * buffer): measured 4e-7, the size of a batch-composition change in host mode. Far inside the 1e-4 tolerance.
     */
    private static void assertSameScores(String image, JsonObject host, JsonObject device) {
        assertThat(device.keySet()).as(image).isEqualTo(host.keySet());
        for (String head : host.keySet()) {
            JsonElement h = host.get(head);
            JsonElement d = device.get(head);
            if (h.isJsonPrimitive()) {
                assertThat(d.getAsDouble()).as(image + " " + head).isCloseTo(h.getAsDouble(), within(1e-5));
                continue;
            }
            for (String label : h.getAsJsonObject().keySet()) {
                assertThat(d.getAsJsonObject().get(label).getAsDouble()).as(image + " " + head + " " + label)
                        .isCloseTo(h.getAsJsonObject().get(label).getAsDouble(), within(1e-5));
            }
        }
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
