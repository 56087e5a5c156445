package dev.sieve.image.decode;

import dev.sieve.image.ImageGoldenTest;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.clip.ClipPreprocessing;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sieve.cli.Sieve;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import picocli.CommandLine;

/**
 * What DCT-scaled JPEG decoding costs in fidelity. libjpeg-turbo at full size is bit-exact with Pillow
 * (ImageGoldenTest, JpegFidelityMeasurement), so the full-size run <em>is</em> the reference's input and the
 * difference between the two runs is the shortcut's cost: per image, the CLIP input tensors (in 0..255 pixel units)
 * and every probability and per-crop value of {@code sieve score --json} with the fixture models. Not a test: run with
 * {@code mvn -o test -pl worker -Dtest=DctScalingFidelityMeasurement -Dsieve.dctCorpus=DIR[,DIR...]} (the JPEGs in
 * those folders; scripts/bench preprocess leaves its images in target/bench/images). The README quotes the output.
 */
@EnabledIfSystemProperty(named = "sieve.dctCorpus", matches = ".+")
class DctScalingFidelityMeasurement {

    @Test
    void dctScaledAgainstFullSize() throws Exception {
        List<Path> files = new ArrayList<>();
        for (String dir : System.getProperty("sieve.dctCorpus").split(",")) {
            try (Stream<Path> s = Files.list(Path.of(dir))) {
                s.filter(p -> p.toString().endsWith(".jpg")).sorted().forEach(files::add);
            }
        }
        for (boolean tiling : new boolean[] {true, false}) {
            ClipPreprocessing clip = ClipPreprocessing.openaiClip336();
            ImagePreparer full = new ImagePreparer(clip, DecodeOptions.defaults(), tiling);
            ImagePreparer scaled = new ImagePreparer(clip, new DecodeOptions(DecodeOptions.defaults().maxPixels(), false,
                    DecodeOptions.JpegDecoder.AUTO, true), tiling);
            Map<String, JsonObject> a = score(files, tiling, false);
            Map<String, JsonObject> b = score(files, tiling, true);
            double probMax = 0;
            double probSum = 0;
            long probCount = 0;
            for (Path f : files) {
                byte[] bytes = Files.readAllBytes(f);
                float[] x = full.prepare(bytes, false).tiles();
                float[] y = scaled.prepare(bytes, false).tiles();
                int plane = clip.cropSize() * clip.cropSize();
                double max = 0;
                double sum = 0;
                for (int i = 0; i < x.length; i++) {
                    int ch = (i / plane) % 3;
                    double d = Math.abs(x[i] - y[i]) * clip.std()[ch] * 255;
                    max = Math.max(max, d);
                    sum += d;
                }
                double[] p = compare(a.get(f.getFileName().toString()), b.get(f.getFileName().toString()));
                probMax = Math.max(probMax, p[0]);
                probSum += p[1];
                probCount += (long) p[2];
                System.out.printf("tiling=%-5s %-40s crops: max %6.2f mean %6.3f (0..255)  probabilities: max %.3g mean %.3g%n",
                        tiling, f.getFileName(), max, sum / x.length, p[0], p[1] / p[2]);
            }
            System.out.printf("ALL tiling=%s %d JPEGs, %d values: probability max %.3g, mean %.3g%n", tiling,
                    files.size(), probCount, probMax, probSum / probCount);
        }
    }

    private static Map<String, JsonObject> score(List<Path> files, boolean tiling, boolean dct) {
        Path repo = Path.of(System.getProperty("sieve.repo", "..")).toAbsolutePath();
        List<String> args = new ArrayList<>(List.of("score", "--json",
                "--clip", repo.resolve("models/fixtures/clip-tiny-336/clip-tiny-336.pt").toString(),
                "--heads-dir", repo.resolve("models/fixtures/heads").toString()));
        if (!tiling) args.add("--no-tiling");
        if (dct) args.add("--dct-scaling");
        files.forEach(f -> args.add(f.toString()));
        StringWriter out = new StringWriter();
        int code = new CommandLine(new Sieve()).setOut(new PrintWriter(out, true)).execute(args.toArray(String[]::new));
        if (code != 0) throw new IllegalStateException("sieve score exited " + code + ": " + out);
        Map<String, JsonObject> byFile = new HashMap<>();
        for (String line : out.toString().split("\n")) {
            if (line.isBlank()) continue;
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            byFile.put(Path.of(o.get("file").getAsString()).getFileName().toString(), o);
        }
        return byFile;
    }

    /** {max, sum, count} of |a - b| over every number in the two score lines' "heads" and "crops". */
    private static double[] compare(JsonObject a, JsonObject b) {
        double[] acc = new double[3];
        walk(a.get("heads"), b.get("heads"), acc);
        if (a.has("crops")) walk(a.get("crops"), b.get("crops"), acc);
        return acc;
    }

    private static void walk(JsonElement a, JsonElement b, double[] acc) {
        if (a.isJsonPrimitive() && a.getAsJsonPrimitive().isNumber()) {
            double d = Math.abs(a.getAsDouble() - b.getAsDouble());
            acc[0] = Math.max(acc[0], d);
            acc[1] += d;
            acc[2]++;
        } else if (a.isJsonObject()) {
            for (String k : a.getAsJsonObject().keySet()) walk(a.getAsJsonObject().get(k), b.getAsJsonObject().get(k), acc);
        } else if (a.isJsonArray()) {
            for (int i = 0; i < a.getAsJsonArray().size(); i++) walk(a.getAsJsonArray().get(i), b.getAsJsonArray().get(i), acc);
        }
    }
}
