package dev.sieve.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * End to end against the Python reference: {@code sieve score --json} (the picocli command, in-process, through
 * the worker's own decode, tile, CLIP and head code) on the committed golden image set prints what
 * scripts/reference/score.py prints (worker/src/test/resources/score/scores-golden.json, made by
 * scripts/reference/make_score_goldens.py with Pillow, torchvision and torch on the bundled fixture models):
 * same size, tiling and top tags, every per-label probability and per-crop value within 1e-4.
 */
class ScoreGoldenTest {
    static final double TOLERANCE = 1e-4;

    static Path repo() {
        return Path.of(System.getProperty("sieve.repo", "..")).toAbsolutePath().normalize();
    }

    static JsonObject golden;
    static Map<String, JsonObject> actual;

    @BeforeAll
    static void scoreTheGoldenImagesOnce() throws Exception {
        golden = JsonParser.parseString(Files.readString(repo().resolve("worker/src/test/resources/score/scores-golden.json")))
                .getAsJsonObject();
        Path cases = repo().resolve("worker/src/test/resources/image/cases");
        List<String> args = new ArrayList<>(List.of("score", "--json",
                "--clip", repo().resolve("models/fixtures/clip-tiny-336/clip-tiny-336.pt").toString(),
                "--heads-dir", repo().resolve("models/fixtures/heads").toString()));
        for (JsonElement e : golden.getAsJsonArray("images")) {
            args.add(cases.resolve(e.getAsJsonObject().get("file").getAsString()).toString());
        }
        StringWriter out = new StringWriter();
        int code = new CommandLine(new Sieve()).setOut(new PrintWriter(out, true)).execute(args.toArray(String[]::new));
        assertThat(code).as("exit status; output:%n%s", out).isZero();
        actual = new LinkedHashMap<>();
        for (String line : out.toString().split("\n")) {
            if (line.isBlank()) continue;
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            actual.put(Path.of(o.get("file").getAsString()).getFileName().toString(), o);
        }
    }

    @Test
    void printsOneLineForEveryGoldenImageWithTheReferencesSizeTilingAndTags() {
        JsonArray images = golden.getAsJsonArray("images");
        assertThat(actual).hasSize(images.size());
        for (JsonElement e : images) {
            JsonObject want = e.getAsJsonObject();
            String file = want.get("file").getAsString();
            JsonObject got = actual.get(file);
            assertThat(got).as(file).isNotNull();
            assertThat(got.get("width").getAsInt()).as(file).isEqualTo(want.get("width").getAsInt());
            assertThat(got.get("height").getAsInt()).as(file).isEqualTo(want.get("height").getAsInt());
            assertThat(got.get("tiled").getAsBoolean()).as(file).isEqualTo(want.get("tiled").getAsBoolean());
            assertThat(got.get("tags")).as(file + " tags").isEqualTo(want.get("tags"));
        }
    }

    @Test
    void aPerHeadCombineRuleChangesThatHeadOnly() {
        List<String> files = List.of("rgb_1537x900_long_side_1537_resized.png", "jpeg_cmyk_1600x800_tiled_resized.jpg");
        List<String> args = new ArrayList<>(List.of("score", "--json",
                "--clip", repo().resolve("models/fixtures/clip-tiny-336/clip-tiny-336.pt").toString(),
                "--heads-dir", repo().resolve("models/fixtures/heads").toString(),
                "--combine-head", "TestAnime-Triple-v0.2=MAX"));
        for (String f : files) args.add(repo().resolve("worker/src/test/resources/image/cases").resolve(f).toString());
        StringWriter out = new StringWriter();
        int code = new CommandLine(new Sieve()).setOut(new PrintWriter(out, true)).execute(args.toArray(String[]::new));
        assertThat(code).isZero();
        String[] lines = out.toString().strip().split("\n");
        assertThat(lines).hasSize(files.size());
        for (String line : lines) {
            JsonObject got = JsonParser.parseString(line).getAsJsonObject();
            String file = Path.of(got.get("file").getAsString()).getFileName().toString();
            JsonObject want = null;
            for (JsonElement e : golden.getAsJsonArray("images")) {
                if (e.getAsJsonObject().get("file").getAsString().equals(file)) want = e.getAsJsonObject();
            }
            assertThat(want).as(file).isNotNull();
            JsonObject crops = want.getAsJsonObject("crops").getAsJsonObject("TestAnime-Triple-v0.2");
            for (String label : crops.keySet()) {
                double max = Double.NEGATIVE_INFINITY;
                for (JsonElement v : crops.getAsJsonArray(label)) max = Math.max(max, v.getAsDouble());
                assertThat(got.getAsJsonObject("heads").getAsJsonObject("TestAnime-Triple-v0.2").get(label).getAsDouble())
                        .as("%s Triple %s: max of the reference's crops", file, label).isCloseTo(max, within(TOLERANCE));
            }
            JsonObject binary = want.getAsJsonObject("heads").getAsJsonObject("TestAnime-Binary-v0.1");
            for (String label : binary.keySet()) {
                assertThat(got.getAsJsonObject("heads").getAsJsonObject("TestAnime-Binary-v0.1").get(label).getAsDouble())
                        .as("%s Binary %s stays the mean", file, label).isCloseTo(binary.get(label).getAsDouble(), within(TOLERANCE));
            }
        }
    }

    @Test
    void everyProbabilityAndPerCropValueIsWithinOneTenThousandthOfTheReference() {
        double max = 0;
        double sum = 0;
        long count = 0;
        String worst = "";
        for (JsonElement e : golden.getAsJsonArray("images")) {
            JsonObject want = e.getAsJsonObject();
            String file = want.get("file").getAsString();
            JsonObject got = actual.get(file);
            for (String head : want.getAsJsonObject("heads").keySet()) {
                JsonElement w = want.getAsJsonObject("heads").get(head);
                JsonElement g = got.getAsJsonObject("heads").get(head);
                assertThat(g).as(file + " " + head).isNotNull();
                if (w.isJsonPrimitive()) {
                    double d = Math.abs(g.getAsDouble() - w.getAsDouble());
                    assertThat(d).as("%s %s score: sieve %s, reference %s", file, head, g, w).isLessThanOrEqualTo(TOLERANCE);
                    if (d > max) worst = file + " " + head;
                    max = Math.max(max, d);
                    sum += d;
                    count++;
                    continue;
                }
                JsonObject wl = w.getAsJsonObject();
                assertThat(g.getAsJsonObject().keySet()).as(file + " " + head + " labels").containsExactlyElementsOf(wl.keySet());
                for (String label : wl.keySet()) {
                    double d = Math.abs(g.getAsJsonObject().get(label).getAsDouble() - wl.get(label).getAsDouble());
                    assertThat(d).as("%s %s %s: sieve %s, reference %s", file, head, label,
                            g.getAsJsonObject().get(label), wl.get(label)).isLessThanOrEqualTo(TOLERANCE);
                    if (d > max) worst = file + " " + head + " " + label;
                    max = Math.max(max, d);
                    sum += d;
                    count++;
                    JsonArray wc = want.getAsJsonObject("crops").getAsJsonObject(head).getAsJsonArray(label);
                    JsonArray gc = got.getAsJsonObject("crops").getAsJsonObject(head).getAsJsonArray(label);
                    assertThat(gc).as(file + " " + head + " " + label + " crops").hasSize(wc.size());
                    for (int c = 0; c < wc.size(); c++) {
                        assertThat(Math.abs(gc.get(c).getAsDouble() - wc.get(c).getAsDouble()))
                                .as("%s %s %s crop %d", file, head, label, c).isLessThanOrEqualTo(TOLERANCE);
                    }
                }
            }
        }
        // The figure the README's "Fidelity" section quotes.
        System.out.printf("ScoreGoldenTest: %d probabilities, max |sieve - reference| %.3g (%s), mean %.3g%n",
                count, max, worst, sum / count);
    }
}
