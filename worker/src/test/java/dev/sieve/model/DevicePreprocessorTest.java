package dev.sieve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.sieve.image.ImageGoldenTest;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.PixelBudget;
import dev.sieve.image.PreparedImage;
import dev.sieve.image.clip.ClipPreprocessing;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.device.PreprocessOn;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import dev.sieve.avro.CropCombine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The device step on libtorch's CPU against the goldens of Pillow 9.4 + torchvision ({@link ImageGoldenTest}): the
 * same sha256 of every crop's float32 CLIP input as the reference, hence as the host path.
 */
class DevicePreprocessorTest {
    private static final ClipPreprocessing CLIP = ClipPreprocessing.openaiClip336();
    private static DevicePreprocessor device;

    @BeforeAll
    static void load() throws Exception {
        device = DevicePreprocessor.load(Device.cpu(), CLIP);
    }

    @AfterAll
    static void close() {
        device.close();
    }

    static java.util.stream.Stream<ImageGoldenTest.Case> cases() {
        return ImageGoldenTest.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void makesTheReferencesClipInputBitForBit(ImageGoldenTest.Case c) throws Exception {
        ImagePreparer preparer = new ImagePreparer(CLIP, DecodeOptions.defaults(), c.tiling(), PreprocessOn.DEVICE);

        PreparedImage prepared = preparer.prepare(ImageGoldenTest.resource(c.file()), true);

        int per = CLIP.cropFloats();
        float[] values;
        if (prepared.device() == null) {
            // A mode the device step does not cover: prepared on the host, and counted.
            assertThat(c.mode()).isIn("CMYK", "I", "I;16", "F");
            assertThat(preparer.hostFallbacks()).isEqualTo(1);
            values = prepared.tiles();
            if (prepared.whole() != null) {
                values = Arrays.copyOf(values, values.length + per);
                System.arraycopy(prepared.whole(), 0, values, values.length - per, per);
            }
        } else {
            assertThat(preparer.hostFallbacks()).isZero();
            try (NDManager batch = device.newManager()) {
                values = device.prepare(prepared.device(), batch).toFloatArray();
            }
        }

        assertThat(prepared.tileCount()).isEqualTo(c.crops().size());
        for (int i = 0; i < c.crops().size(); i++) {
            assertThat(sha256(values, i * per, per)).as("crop %d float32 CHW", i)
                    .isEqualTo(c.crops().get(i).get("values").getAsString());
        }
        if (c.whole() == null) {
            assertThat(values).hasSize(c.crops().size() * per);
        } else {
            assertThat(values).hasSize((c.crops().size() + 1) * per);
            assertThat(sha256(values, c.crops().size() * per, per)).as("whole image float32 CHW")
                    .isEqualTo(c.whole().get("values").getAsString());
        }
    }

    @Test
    void holdsTheImagesPixelBudgetUntilItsPixelsAreOnTheDevice() throws Exception {
        ImageGoldenTest.Case c = ImageGoldenTest.cases().filter(x -> x.file().contains("rgba_1600x1000")).findFirst()
                .orElseThrow();
        ImagePreparer preparer = new ImagePreparer(CLIP, DecodeOptions.defaults(), true, PreprocessOn.DEVICE);
        PixelBudget budget = new PixelBudget(10_000_000);

        PreparedImage prepared = preparer.prepare(ImageGoldenTest.resource(c.file()), false, budget);

        // The image's pixels, and the PNG decoder's two row buffers (a row each, 4 bytes a pixel at most), are held.
        assertThat(10_000_000 - budget.available()).isBetween(1600L * 1000, 1600L * 1000 + 2 * (1600 * 4 + 1));
        try (NDManager batch = device.newManager()) {
            device.prepare(prepared.device(), batch);
        }
        assertThat(budget.available()).isEqualTo(10_000_000);
    }

    @Test
    void scoresAMixedBatchAsTheHostPathDoes() throws Exception {
        // One batch: tiled with the whole image for the score head (RGBA), untiled (L), and CMYK, which falls back to
        // host crops inside the same forward pass.
        List<String> files = List.of("cases/rgba_1600x1000_tiled_resized.png", "cases/l_500x350.png",
                "cases/jpeg_cmyk_1600x800_tiled_resized.jpg", "cases/p_1700x800_tiled_resized.png");
        ImagePreparer host = new ImagePreparer(CLIP, DecodeOptions.defaults(), true);
        ImagePreparer onDevice = new ImagePreparer(CLIP, DecodeOptions.defaults(), true, PreprocessOn.DEVICE);
        List<PreparedImage> hostImages = new ArrayList<>();
        List<PreparedImage> deviceImages = new ArrayList<>();
        for (String f : files) {
            hostImages.add(host.prepare(ImageGoldenTest.resource(f), true));
            deviceImages.add(onDevice.prepare(ImageGoldenTest.resource(f), true));
        }
        assertThat(deviceImages).filteredOn(i -> i.device() == null).hasSize(1);
        assertThat(onDevice.hostFallbacks()).isEqualTo(1);

        try (ClipEmbedder embedder = ClipEmbedder.load(ModelFixtures.clip336(), Device.cpu());
             CityHead binary = CityHead.load(ModelFixtures.head("TestAnime-Binary-v0.1"), Device.cpu());
             CityHead aesthetic = CityHead.load(ModelFixtures.head("TestAesthetic-v0.3"), Device.cpu())) {
            Scorer onHost = new Scorer(embedder, List.of(binary, aesthetic), CropCombine.MEAN);
            Scorer withStep = new Scorer(embedder, List.of(binary, aesthetic), CropCombine.MEAN, Map.of(), device);

            List<ImageScore> expected = onHost.score(hostImages);
            List<ImageScore> actual = withStep.score(deviceImages);

            // The same input tensor; libtorch's CPU matmul may still round differently for it in other memory (the
            // concatenation on the device, not the reused batch buffer): ~4e-7, as a change of batch would.
            for (int i = 0; i < files.size(); i++) {
                assertThat(actual.get(i).topTags()).as(files.get(i)).isEqualTo(expected.get(i).topTags());
                for (int h = 0; h < expected.get(i).heads().size(); h++) {
                    var want = expected.get(i).heads().get(h).getLabels();
                    var got = actual.get(i).heads().get(h).getLabels();
                    assertThat(got).hasSameSizeAs(want);
                    for (int l = 0; l < want.size(); l++) {
                        assertThat(got.get(l).getLabel()).isEqualTo(want.get(l).getLabel());
                        assertThat(got.get(l).getProbability()).as(files.get(i) + " " + want.get(l).getLabel())
                                .isCloseTo(want.get(l).getProbability(), within(1e-5));
                    }
                }
            }
        }
    }

    static String sha256(float[] values, int offset, int count) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values, offset, count);
        return ImageGoldenTest.sha256(buf.array());
    }
}
