package dev.sieve.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sieve.model.SafetensorsFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training step against torch's: the same start, data and recipe give the same weights (scripts/reference/train_step.py). */
class HeadTrainerTorchTest {
    @TempDir
    Path temp;

    @Test
    void threeUpdatesMatchTorchAdamWOnCity96sLoss() throws Exception {
        Map<String, float[]> start = new LinkedHashMap<>();
        SafetensorsFile.read(KnownCorpus.fixtureHead()).tensors().forEach((k, t) -> start.put(k, t.values()));
        SplittableRandom random = new SplittableRandom(3);
        List<HeadTrainer.Sample> samples = new ArrayList<>();
        float[][] x = new float[12][768];
        int[] y = new int[12];
        for (int i = 0; i < 12; i++) {
            for (int j = 0; j < 768; j++) x[i][j] = (float) (random.nextGaussian() * 0.5);
            y[i] = i % 3;
            samples.add(new HeadTrainer.Sample("s" + i, new float[][] {x[i]}, y[i]));
        }
        // One batch of all samples per update: the order inside a batch changes only the summation order.
        TrainingRecipe recipe = new TrainingRecipe(1e-3, 36, 12, 0.01, List.of(1.0, 0.5, 0.8), 0, false);
        Map<String, float[]> trained = new HeadTrainer(768, 64, 3, 0).train(start, samples, recipe, (seen, loss) -> { });

        JsonObject in = new JsonObject();
        in.add("x", new Gson().toJsonTree(x));
        in.add("y", new Gson().toJsonTree(y));
        in.addProperty("lr", 1e-3);
        in.addProperty("updates", 3);
        in.add("class_weights", new Gson().toJsonTree(new double[] {1.0, 0.5, 0.8}));
        in.addProperty("head", KnownCorpus.fixtureHead().toString());
        Path request = temp.resolve("in.json");
        Files.writeString(request, in.toString());
        Process python = new ProcessBuilder("/usr/bin/python3", KnownCorpus.repo().resolve("scripts/reference/train_step.py").toString(),
                request.toString()).redirectErrorStream(true).start();
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor()).as(out).isZero();
        JsonObject torch = JsonParser.parseString(out.substring(out.indexOf('{'))).getAsJsonObject();
        double moved = 0;
        long off = 0;
        long all = 0;
        for (String name : trained.keySet()) {
            var expected = torch.getAsJsonArray(name);
            float[] actual = trained.get(name);
            assertThat(actual).hasSize(expected.size());
            for (int i = 0; i < actual.length; i++) {
                if (Math.abs(actual[i] - expected.get(i).getAsFloat()) > 1e-5) off++;
                moved = Math.max(moved, Math.abs(actual[i] - start.get(name)[i]));
            }
            all += actual.length;
        }
        System.out.printf("largest weight change %.3e; %d of %d weights differ from torch's by more than 1e-5%n", moved, off, all);
        assertThat(moved).isGreaterThan(1e-3); // the updates did something
        // Adam's first steps move each weight by about the learning rate whatever its gradient's size, so a gradient
        // within float noise of zero may go either way on the two sides: a handful of weights, never a tensor's worth.
        assertThat(off).isLessThanOrEqualTo(all / 1000);
    }
}
