package dev.sieve.model;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Arrays;
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
            assertThat(c.mode()).isEqualTo("CMYK");
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

        assertThat(budget.available()).isEqualTo(10_000_000 - 1600 * 1000);
        try (NDManager batch = device.newManager()) {
            device.prepare(prepared.device(), batch);
        }
        assertThat(budget.available()).isEqualTo(10_000_000);
    }

    static String sha256(float[] values, int offset, int count) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values, offset, count);
        return ImageGoldenTest.sha256(buf.array());
    }
}
