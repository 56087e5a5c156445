package dev.sieve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import com.google.gson.JsonObject;
import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.HeadKind;
import dev.sieve.avro.Stage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CityHeadTest {

    private static final JsonObject GOLDEN = ModelFixtures.json("heads-golden.json");

    @TempDir
    Path temp;

    @ParameterizedTest
    @ValueSource(strings = {"TestAnime-Binary-v0.1", "TestAnime-Triple-v0.2", "TestAesthetic-v0.3"})
    void matchesTorchReferenceOnFixtureHeads(String name) throws Exception {
        assertMatchesGolden(ModelFixtures.head(name), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TestAnime-Triple-v0.2-fp16", "TestAnime-Triple-v0.2-bf16"})
    void widensHalfPrecisionWeightsToFloat32(String name) throws Exception {
        assertMatchesGolden(ModelFixtures.resource("heads-halfprecision/" + name + ".safetensors"), name);
    }

    private void assertMatchesGolden(Path file, String name) throws Exception {
        float[][] embeddings = ModelFixtures.matrix(GOLDEN.getAsJsonArray("embeddings"));
        float[][] expected = ModelFixtures.matrix(GOLDEN.getAsJsonObject("heads").getAsJsonArray(name));
        try (CityHead head = CityHead.load(file, Device.cpu())) {
            float[][] actual = head.apply(embeddings);
            assertThat(actual).hasSameDimensionsAs(expected);
            for (int i = 0; i < expected.length; i++) {
                for (int j = 0; j < expected[i].length; j++) {
                    assertThat(actual[i][j]).as("%s[%d][%d]", name, i, j).isCloseTo(expected[i][j], within(1e-5f));
                }
            }
        }
    }

    @Test
    void readsNameRevisionKindAndLabelsFromConfig() throws Exception {
        try (CityHead binary = CityHead.load(ModelFixtures.head("TestAnime-Binary-v0.1"), Device.cpu());
             CityHead triple = CityHead.load(ModelFixtures.head("TestAnime-Triple-v0.2"), Device.cpu());
             CityHead score = CityHead.load(ModelFixtures.head("TestAesthetic-v0.3"), Device.cpu())) {
            assertThat(binary.name()).isEqualTo("TestAnime-Binary-v0.1");
            assertThat(binary.revision()).isEqualTo("v0.1");
            assertThat(binary.head().kind()).isEqualTo(HeadKind.CLASSIFIER);
            assertThat(binary.labels()).containsExactly("Pass", "Chromatic Aberration");
            assertThat(triple.labels()).containsExactly("Pass", "JPEG", "WEBP");
            assertThat(score.head().kind()).isEqualTo(HeadKind.SCORE);
            assertThat(score.revision()).isEqualTo("v0.3");
            assertThat(score.labels()).containsExactly("score");
        }
    }

    @Test
    void infersOutputsAndIndexLabelsWithoutConfig() throws Exception {
        Path triple = copy("TestAnime-Triple-v0.2");
        Path aesthetic = copy("TestAesthetic-v0.3");
        try (CityHead classifier = CityHead.load(triple, Device.cpu());
             CityHead score = CityHead.load(aesthetic, Device.cpu())) {
            assertThat(classifier.head().kind()).isEqualTo(HeadKind.CLASSIFIER);
            assertThat(classifier.labels()).containsExactly("0", "1", "2");
            assertThat(classifier.revision()).isEmpty();
            assertThat(score.head().kind()).isEqualTo(HeadKind.SCORE);
            assertThat(score.labels()).containsExactly("score");
        }
    }

    @Test
    void rejectsMissingTensor() throws Exception {
        Map<String, SafetensorsFile.Tensor> tensors = tensorsOf("TestAnime-Binary-v0.1");
        tensors.remove("up.1.long.2.bias");
        Path file = write("Broken-v1", tensors);
        assertThatThrownBy(() -> CityHead.load(file, Device.cpu()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("missing tensor up.1.long.2.bias");
    }

    @Test
    void rejectsUnexpectedTensor() throws Exception {
        Map<String, SafetensorsFile.Tensor> tensors = tensorsOf("TestAnime-Binary-v0.1");
        tensors.put("down.6.weight", new SafetensorsFile.Tensor("down.6.weight", "F32", new long[] {1}, new float[1]));
        Path file = write("Extra-v1", tensors);
        assertThatThrownBy(() -> CityHead.load(file, Device.cpu()))
                .isInstanceOf(IOException.class).hasMessageContaining("unexpected tensor down.6.weight");
    }

    @Test
    void rejectsWrongShape() throws Exception {
        Map<String, SafetensorsFile.Tensor> tensors = tensorsOf("TestAnime-Binary-v0.1");
        tensors.put("down.1.weight", new SafetensorsFile.Tensor("down.1.weight", "F32", new long[] {64, 127}, new float[64 * 127]));
        Path file = write("Shape-v1", tensors);
        assertThatThrownBy(() -> CityHead.load(file, Device.cpu()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("tensor down.1.weight has shape [64, 127], expected [64, 128]");
    }

    @Test
    void rejectsConfigWhoseOutputsDisagreeWithTheWeights() throws Exception {
        Path file = copy("TestAnime-Binary-v0.1");
        Files.writeString(temp.resolve("TestAnime-Binary-v0.1.config.json"), """
                {"name": "TestAnime-Binary", "rev": "v0.1", "arch": "class",
                 "labels": {"0": "Pass", "1": "A", "2": "B"},
                 "model_params": {"features": 768, "hidden": 64, "outputs": 3}}""");
        assertThatThrownBy(() -> CityHead.load(file, Device.cpu()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("down.5.weight has shape [2, 32], expected [3, 32]")
                .hasMessageContaining("outputs=3 from model_params in");
    }

    @Test
    void rejectsConfigLabelBeyondTheOutputs() throws Exception {
        Path file = copy("TestAnime-Binary-v0.1");
        Files.writeString(temp.resolve("TestAnime-Binary-v0.1.config.json"), """
                {"rev": "v0.1", "arch": "class", "labels": {"0": "Pass", "5": "Ghost"},
                 "model_params": {"features": 768, "hidden": 64, "outputs": 2}}""");
        assertThatThrownBy(() -> CityHead.load(file, Device.cpu()))
                .isInstanceOf(IOException.class).hasMessageContaining("label \"5\" but the head has only 2 outputs");
    }

    @Test
    void rejectsCorruptHeader() throws Exception {
        byte[] bytes = Files.readAllBytes(ModelFixtures.head("TestAnime-Binary-v0.1"));
        bytes[8] = 'x'; // the header's opening brace
        Path file = temp.resolve("Corrupt-v1.safetensors");
        Files.write(file, bytes);
        assertThatThrownBy(() -> CityHead.load(file, Device.cpu()))
                .isInstanceOf(IOException.class).hasMessageContaining(file.toString()).hasMessageContaining("not valid JSON");
    }

    @Test
    void rejectsImpossibleHeaderLength() throws Exception {
        byte[] bytes = Files.readAllBytes(ModelFixtures.head("TestAnime-Binary-v0.1"));
        bytes[7] = 0x7f;
        Path file = temp.resolve("Length-v1.safetensors");
        Files.write(file, bytes);
        assertThatThrownBy(() -> CityHead.load(file, Device.cpu()))
                .isInstanceOf(IOException.class).hasMessageContaining("header length");
    }

    @Test
    void rejectsTruncatedData() throws Exception {
        byte[] bytes = Files.readAllBytes(ModelFixtures.head("TestAnime-Binary-v0.1"));
        Path file = temp.resolve("Truncated-v1.safetensors");
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 100));
        assertThatThrownBy(() -> CityHead.load(file, Device.cpu()))
                .isInstanceOf(IOException.class).hasMessageContaining("truncated file?");
    }

    @Test
    void rejectsEmbeddingsOfTheWrongWidth() throws Exception {
        try (CityHead head = CityHead.load(ModelFixtures.head("TestAnime-Binary-v0.1"), Device.cpu())) {
            assertThatThrownBy(() -> head.apply(new float[][] {new float[512]}))
                    .isInstanceOfSatisfying(StageException.class, e -> {
                        assertThat(e.stage()).isEqualTo(Stage.INFER);
                        assertThat(e.code()).isEqualTo(FailureCode.INTERNAL);
                    })
                    .hasMessageContaining("768");
        }
    }

    private Path copy(String name) throws IOException {
        Path to = temp.resolve(name + ".safetensors");
        Files.copy(ModelFixtures.head(name), to);
        return to;
    }

    private static Map<String, SafetensorsFile.Tensor> tensorsOf(String name) throws IOException {
        return new LinkedHashMap<>(SafetensorsFile.read(ModelFixtures.head(name)).tensors());
    }

    private Path write(String name, Map<String, SafetensorsFile.Tensor> tensors) throws IOException {
        Path file = temp.resolve(name + ".safetensors");
        SafetensorsWriter.write(file, new ArrayList<>(tensors.values()));
        return file;
    }
}
