package dev.sieve.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sieve.avro.Correction;
import dev.sieve.model.CityHead;
import dev.sieve.model.EmbeddingsRecord;
import java.nio.charset.StandardCharsets;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.sort.TagRules;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeadTrainingTest {
    private static final String SCORED = "train-test.scored";
    private static final String EMBEDDINGS = "train-test.embeddings";
    private static final String CORRECTIONS = "train-test.corrections";
    private static final int IMAGES = 90;
    private static KnownCorpus corpus;
    private static List<Correction> corrections;
    private static HeadTraining.Result trained;

    @TempDir
    Path temp;

    @BeforeAll
    static void publish() throws Exception {
        corpus = KnownCorpus.score(IMAGES, 1);
        corrections = new ArrayList<>(corpus.corrections());
        // Two images the reviewer excluded: left out of training whatever their class.
        corrections.add(new Correction(corpus.scored.get(0).getRef().getId(), KnownCorpus.HEAD, "v0.2", null, null, "test", Instant.EPOCH));
        corrections.add(new Correction(corpus.scored.get(1).getRef().getId(), KnownCorpus.HEAD, "v0.2", null, null, "test", Instant.EPOCH));
        corpus.publish(SharedKafka.bootstrapServers(), SCORED, EMBEDDINGS, CORRECTIONS, corrections);
        trained = train(Files.createTempDirectory("head-training"), recipe());
    }

    static TrainingRecipe recipe() {
        // city96's batch of 1; a larger learning rate and fewer steps than its configs, for a corpus of 90 images
        // (at 1e-3 the saturating loss can collapse the head onto one class: see docs/curation.md).
        return new TrainingRecipe(1e-4, 2000, 1, 0.01, List.of(), 0, false);
    }

    private static HeadTraining.Result train(Path out, TrainingRecipe recipe) throws Exception {
        Files.createDirectories(out);
        return HeadTraining.run(new HeadTraining.Config(SharedKafka.bootstrapServers(), SCORED, CORRECTIONS, EMBEDDINGS,
                KnownCorpus.fixtureHead(), out, null, recipe, 0.3, 7, TagRules.defaults(), Duration.ofSeconds(30)), System.out);
    }

    @Test
    void learnsTheCuratedClassesAndBeatsThePreviousRevisionOnTheHeldOutImages() throws Exception {
        HeadTraining.Result result = trained;
        System.out.println("before:\n" + result.before().table() + "after:\n" + result.after().table() + "train ms " + result.trainMillis());
        assertThat(result.weights().getFileName().toString()).isEqualTo("TestAnime-Triple-v0.3.safetensors");
        assertThat(result.excluded()).isEqualTo(2);
        assertThat(result.heldOutImages() + result.trained().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(IMAGES - 2);
        assertThat(result.after().accuracy()).isGreaterThan(result.before().accuracy()).isGreaterThanOrEqualTo(0.9);
        assertThat(result.after().total()).isEqualTo(result.heldOutImages()).isEqualTo(result.before().total());
    }

    @Test
    void theSameSeedWritesTheSameBytes() throws Exception {
        TrainingRecipe shorter = new TrainingRecipe(1e-4, 300, 1, 0.01, List.of(), 0, false);
        HeadTraining.Result a = train(temp.resolve("a"), shorter);
        HeadTraining.Result b = train(temp.resolve("b"), shorter);
        assertThat(Files.readAllBytes(b.weights())).isEqualTo(Files.readAllBytes(a.weights()));
        Path configA = a.weights().resolveSibling("TestAnime-Triple-v0.3.config.json");
        assertThat(b.weights().resolveSibling("TestAnime-Triple-v0.3.config.json")).hasSameTextualContentAs(configA);
        assertThat(Files.readString(configA)).contains("\"name\": \"TestAnime-Triple\"", "\"rev\": \"v0.3\"", "\"arch\": \"class\"",
                "\"0\": \"Pass\"", "\"2\": \"WEBP\"", "\"hidden\": 64", "\"outputs\": 3");
        assertThatThrownBy(() -> train(temp.resolve("a"), shorter)).hasMessageContaining("exists: a revision is written once");
    }

    /** city96's inference (the Python reference, torch 1.13) loads the new revision and gives the same probabilities. */
    @Test
    void thePythonReferenceLoadsTheRevisionAndAgrees() throws Exception {
        HeadTraining.Result result = trained;
        float[][] embeddings = new float[corpus.embeddings.size()][];
        for (int i = 0; i < embeddings.length; i++) embeddings[i] = EmbeddingsRecord.read(corpus.embeddings.get(i), 768).crops()[0];
        Path input = temp.resolve("embeddings.json");
        Files.writeString(input, new Gson().toJson(embeddings));
        Process python = new ProcessBuilder("/usr/bin/python3", KnownCorpus.repo().resolve("scripts/reference/head_outputs.py").toString(),
                result.weights().toString(), input.toString()).redirectErrorStream(true).start();
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor()).as(out).isZero();
        JsonObject reference = JsonParser.parseString(out.substring(out.indexOf('{'))).getAsJsonObject();
        try (CityHead head = CityHead.load(result.weights(), Device.cpu())) {
            assertThat(head.name()).isEqualTo("TestAnime-Triple-v0.3");
            assertThat(head.revision()).isEqualTo("v0.3");
            assertThat(new Gson().fromJson(reference.get("labels"), List.class)).isEqualTo(head.labels());
            float[][] sieve = head.apply(embeddings);
            double worst = 0;
            for (int i = 0; i < sieve.length; i++) {
                for (int k = 0; k < 3; k++) {
                    worst = Math.max(worst, Math.abs(sieve[i][k] - reference.getAsJsonArray("outputs").get(i).getAsJsonArray().get(k).getAsDouble()));
                }
            }
            System.out.printf("trained revision, sieve vs Python reference: max |dp| %.2e over %d images%n", worst, sieve.length);
            assertThat(worst).isLessThanOrEqualTo(1e-4);
        }
    }
}
