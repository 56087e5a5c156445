package dev.sieve.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.image.clip.ClipPreprocessing;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.PreparedImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class SimulatedAcceleratorTest {

    private static PreparedImage prepared(int width, int height, int rgb) throws Exception {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) image.setRGB(x, y, rgb ^ (x * 7 + y * 13));
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        return new ImagePreparer(ClipPreprocessing.openaiClip336(), DecodeOptions.defaults(), true)
                .prepare(png.toByteArray(), false);
    }

    @Test
    void sameCropsGiveTheSameScoresAndDifferentCropsDifferentOnes() throws Exception {
        var accelerator = new SimulatedAccelerator(Duration.ZERO);
        PreparedImage a = prepared(64, 48, 0x336699);
        PreparedImage b = prepared(64, 48, 0x996633);

        List<ImageScore> first = accelerator.score(List.of(a, b));
        List<ImageScore> again = new SimulatedAccelerator(Duration.ZERO).score(List.of(b, a));

        assertThat(first.get(0).heads()).isEqualTo(again.get(1).heads());
        assertThat(first.get(1).heads()).isEqualTo(again.get(0).heads());
        assertThat(first.get(0).heads()).isNotEqualTo(first.get(1).heads());
        var labels = first.get(0).heads().get(0).getLabels();
        assertThat(labels).hasSize(3);
        assertThat(labels.stream().mapToDouble(l -> l.getProbability()).sum()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(first.get(0).heads().get(0).getName()).isEqualTo(SimulatedAccelerator.HEAD);
    }

    @Test
    void tiledImagesGetOneValuePerCrop() throws Exception {
        PreparedImage tiled = prepared(800, 700, 0x123456);
        assertThat(tiled.tileCount()).isEqualTo(5);
        var score = new SimulatedAccelerator(Duration.ZERO).score(List.of(tiled)).get(0);
        assertThat(score.heads().get(0).getLabels().get(0).getCrops()).hasSize(5);
    }

    @Test
    void recordsNameTheSimulatedAccelerator() {
        assertThat(SimulatedAccelerator.clipModel().getId()).isEqualTo("simulated-accelerator");
    }

    @Test
    void neverTouchesDjlOrLibtorch() throws IOException {
        // The class files themselves: a reference to any DJL class (and so to libtorch's loader) would be in the
        // constant pool. Checked on the bytes because the test JVM may already have loaded libtorch for other tests.
        for (Class<?> type : List.of(SimulatedAccelerator.class, BatchScorer.class)) {
            try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
                String constants = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                assertThat(constants).contains("dev/sieve").doesNotContain("ai/djl").doesNotContain("ClipEmbedder")
                        .doesNotContain("CityHead");
            }
        }
    }
}
