package dev.sieve.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Where the committed fixtures and golden files are (made by scripts/models/make_fixtures.py and scripts/reference/heads.py). */
final class ModelFixtures {

    private ModelFixtures() {
    }

    static Path repo() {
        return Path.of(System.getProperty("sieve.repo", "..")).toAbsolutePath().normalize();
    }

    static Path clip336() {
        return repo().resolve("models/fixtures/clip-tiny-336/clip-tiny-336.pt");
    }

    static Path clip224() {
        return repo().resolve("models/fixtures/clip-tiny-224/clip-tiny-224.pt");
    }

    static Path head(String name) {
        return repo().resolve("models/fixtures/heads/" + name + ".safetensors");
    }

    static Path resource(String name) {
        try {
            return Path.of(ModelFixtures.class.getResource("/model/" + name).toURI());
        } catch (Exception e) {
            throw new IllegalStateException("missing test resource model/" + name, e);
        }
    }

    static JsonObject json(String name) {
        try (InputStream in = ModelFixtures.class.getResourceAsStream("/model/" + name)) {
            if (in == null) throw new IllegalStateException("missing test resource model/" + name);
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float[][] matrix(JsonArray rows) {
        float[][] m = new float[rows.size()][];
        for (int i = 0; i < m.length; i++) {
            var row = rows.get(i).getAsJsonArray();
            m[i] = new float[row.size()];
            for (int j = 0; j < m[i].length; j++) m[i][j] = (float) row.get(j).getAsDouble();
        }
        return m;
    }

    /** The golden CLIP input, computed exactly as make_fixtures.formula_pixels does (integers, then float32 ops). */
    static float[] formulaPixels(int count, int size) {
        float[] x = new float[count * 3 * size * size];
        int at = 0;
        for (long n = 0; n < count; n++) {
            for (long c = 0; c < 3; c++) {
                for (long h = 0; h < size; h++) {
                    for (long w = 0; w < size; w++) {
                        long v = (h * h * 31 + w * w * 17 + h * w * 7 + c * 101 + n * 57) % 251;
                        x[at++] = (float) v / 125f - 1f;
                    }
                }
            }
        }
        return x;
    }
}
