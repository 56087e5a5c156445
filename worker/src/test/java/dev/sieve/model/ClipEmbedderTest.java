package dev.sieve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import com.google.gson.JsonObject;
import ai.djl.ndarray.types.DataType;
import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClipEmbedderTest {

    private static final JsonObject GOLDEN = ModelFixtures.json("clip-golden.json").getAsJsonObject("models");
    private static ClipEmbedder clip336;

    @TempDir
    Path temp;

    @BeforeAll
    static void load() throws IOException {
        clip336 = ClipEmbedder.load(ModelFixtures.clip336(), Device.cpu());
    }

    @AfterAll
    static void close() {
        clip336.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {336, 224})
    void matchesTorchOutputOnTheGoldenInput(int size) throws Exception {
        JsonObject golden = GOLDEN.getAsJsonObject("clip-tiny-" + size);
        float[][] expected = ModelFixtures.matrix(golden.getAsJsonArray("output"));
        Path file = size == 336 ? ModelFixtures.clip336() : ModelFixtures.clip224();
        try (ClipEmbedder clip = ClipEmbedder.load(file, Device.cpu())) {
            float[][] actual = clip.embed(ModelFixtures.formulaPixels(expected.length, size), expected.length);
            assertThat(actual).hasSameDimensionsAs(expected);
            for (int i = 0; i < expected.length; i++) {
                for (int j = 0; j < expected[i].length; j++) {
                    assertThat(actual[i][j]).as("crop %d, dim %d", i, j).isCloseTo(expected[i][j], within(1e-4f));
                }
            }
        }
    }

    @Test
    void readsTheInputSizeFromPreprocessorConfig() throws Exception {
        try (ClipEmbedder clip224 = ClipEmbedder.load(ModelFixtures.clip224(), Device.cpu())) {
            assertThat(clip224.preprocessing().cropSize()).isEqualTo(224);
            assertThat(clip224.preprocessing().size()).isEqualTo(224);
        }
        assertThat(clip336.preprocessing().cropSize()).isEqualTo(336);
        assertThat(clip336.preprocessing().tileSize()).isEqualTo(672);
    }

    @Test
    void readsThePrecisionOfTheWeights() {
        assertThat(clip336.precision()).isEqualTo(DataType.FLOAT32);
    }

    @Test
    void refusesAHalfPrecisionExportOnTheCpuWithTheWayOut() {
        // A GPU export (fp16 weights, float32 in and out, as export-clip --fp16 makes it) on a CPU worker.
        Path half = ModelFixtures.resource("clip-tiny-336-fp16/clip-tiny-336-fp16.pt");
        assertThatThrownBy(() -> ClipEmbedder.load(half, Device.cpu()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("fp16 weights")
                .hasMessageContaining("--device gpu")
                .hasMessageContaining("without --fp16");
    }

    @Test
    void identifiesTheModelByFileNameAndSha256() {
        assertThat(clip336.id()).isEqualTo("clip-tiny-336");
        assertThat(clip336.digest()).isEqualTo(GOLDEN.getAsJsonObject("clip-tiny-336").get("sha256").getAsString());
    }

    @Test
    void embedsACropTheSameAloneAsInABatch() throws Exception {
        float[] two = ModelFixtures.formulaPixels(2, 336);
        float[][] batch = clip336.embed(two, 2);
        float[] second = Arrays.copyOfRange(two, 3 * 336 * 336, two.length);
        float[][] alone = clip336.embed(second, 1);
        for (int j = 0; j < 768; j++) assertThat(alone[0][j]).isCloseTo(batch[1][j], within(1e-5f));
    }

    @Test
    void reusesOneBatchBufferForBatchesOfAnySizeWithoutStaleCrops() throws Exception {
        // Golden outputs of the fixture on the formula input (from torch, not from this code), embedded through one
        // reused buffer: first a big batch, then smaller ones, whose rows must not see the bigger batch's tail.
        JsonObject golden = GOLDEN.getAsJsonObject("clip-tiny-336");
        float[][] expected = ModelFixtures.matrix(golden.getAsJsonArray("output"));
        float[] pixels = ModelFixtures.formulaPixels(expected.length, 336);
        int cropFloats = 3 * 336 * 336;
        CropBatch batch = new CropBatch(cropFloats);
        batch.start(expected.length + 3).put(new float[(expected.length + 3) * cropFloats]); // a bigger, other batch
        int capacity = batch.capacityBytes();
        for (int count = expected.length; count >= 1; count--) {
            batch.start(count).put(pixels, 0, count * cropFloats);
            float[][] actual = clip336.embed(batch, count);
            assertThat(actual).hasNumberOfRows(count);
            for (int i = 0; i < count; i++) {
                for (int j = 0; j < 768; j++) {
                    assertThat(actual[i][j]).as("batch of %d, crop %d, dim %d", count, i, j)
                            .isCloseTo(expected[i][j], within(1e-4f));
                }
            }
        }
        assertThat(batch.capacityBytes()).as("no new buffer for smaller batches").isEqualTo(capacity);
    }

    @Test
    void givesTheSameEmbeddingsFromConcurrentCalls() throws Exception {
        float[] pixels = ModelFixtures.formulaPixels(2, 336);
        float[][] reference = clip336.embed(pixels, 2);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<float[][]>> results = new ArrayList<>();
            for (int i = 0; i < 6; i++) results.add(pool.submit(() -> clip336.embed(pixels, 2)));
            for (Future<float[][]> f : results) {
                float[][] r = f.get();
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 768; j++) assertThat(r[i][j]).isCloseTo(reference[i][j], within(1e-5f));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void rejectsPixelsThatDoNotMatchTheCount() {
        assertThatThrownBy(() -> clip336.embed(new float[3 * 336 * 336], 2))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.stage()).isEqualTo(Stage.INFER);
                    assertThat(e.code()).isEqualTo(FailureCode.INTERNAL);
                })
                .hasMessageContaining("338688 floats per crop");
    }

    @Test
    void rejectsAModelThatDoesNotReturn768WideEmbeddings() throws Exception {
        Path file = ModelFixtures.resource("clip-wrong-width/clip-wrong-width.pt");
        try (ClipEmbedder wrong = ClipEmbedder.load(file, Device.cpu())) {
            assertThatThrownBy(() -> wrong.embed(new float[2 * 3 * 224 * 224], 2))
                    .isInstanceOfSatisfying(StageException.class,
                            e -> assertThat(e.code()).isEqualTo(FailureCode.MODEL_ERROR))
                    .hasMessageContaining("returned shape (2, 512), expected (2, 768)");
        }
    }

    @Test
    void rejectsAMissingFile() {
        Path missing = temp.resolve("nothing.pt");
        assertThatThrownBy(() -> ClipEmbedder.load(missing, Device.cpu()))
                .isInstanceOf(IOException.class).hasMessageContaining("no CLIP TorchScript file at " + missing);
    }

    @Test
    void rejectsAFileThatIsNotTorchScript() throws Exception {
        Path fake = temp.resolve("fake.pt");
        Files.writeString(fake, "not a model");
        Files.copy(ModelFixtures.clip336().resolveSibling("preprocessor_config.json"), temp.resolve("preprocessor_config.json"));
        assertThatThrownBy(() -> ClipEmbedder.load(fake, Device.cpu()))
                .isInstanceOf(IOException.class).hasMessageContaining("could not load " + fake + " as TorchScript");
    }

    @Test
    void rejectsAModelWithoutPreprocessorConfig() throws Exception {
        Path copy = temp.resolve("clip-tiny-336.pt");
        Files.copy(ModelFixtures.clip336(), copy);
        assertThatThrownBy(() -> ClipEmbedder.load(copy, Device.cpu()))
                .isInstanceOf(IOException.class).hasMessageContaining("preprocessor_config.json");
    }
}
