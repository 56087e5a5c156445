package dev.sieve.model;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a classifier head in city96's own format: {@code <base>-<rev>.safetensors} (the 16 float32 tensors of
 * {@code PredictorModel}'s state dict, torch layout: weights {@code [out, in]}) and {@code <base>-<rev>.config.json}
 * as city96's {@code utils.write_config} writes it, so that {@link CityHead}, city96's {@code inference.py} and its
 * {@code train.py --resume} read it unchanged.
 */
public final class CityHeadWriter {

    private CityHeadWriter() {
    }

    /**
     * @param tensors by state-dict name ({@code up.0.weight}, ...), row-major in torch layout
     * @return the .safetensors file written
     * @throws IOException when a file of that name exists already (a revision is never overwritten)
     */
    public static Path write(Path dir, String base, String revision, List<String> labels, int features, int hidden,
                             Map<String, float[]> tensors) throws IOException {
        Path weights = checkFree(dir, base, revision);
        Path config = dir.resolve(base + "-" + revision + ".config.json");
        Map<String, long[]> shapes = CityHead.expectedShapes(features, hidden, labels.size());
        List<SafetensorsFile.Tensor> list = new ArrayList<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            float[] values = tensors.get(e.getKey());
            long count = 1;
            for (long d : e.getValue()) count *= d;
            if (values == null || values.length != count) {
                throw new IllegalArgumentException("tensor " + e.getKey() + ": " + (values == null ? "missing" : values.length
                        + " values") + ", shape " + java.util.Arrays.toString(e.getValue()) + " needs " + count);
            }
            list.add(new SafetensorsFile.Tensor(e.getKey(), "F32", e.getValue(), values));
        }
        Files.createDirectories(dir);
        SafetensorsFile.write(weights, list);
        Files.writeString(config, configJson(base, revision, labels, features, hidden), StandardCharsets.UTF_8);
        return weights;
    }

    /** The .safetensors path of the revision, after checking that neither of its files exists yet. */
    public static Path checkFree(Path dir, String base, String revision) throws IOException {
        String name = base + "-" + revision;
        for (Path p : List.of(dir.resolve(name + ".safetensors"), dir.resolve(name + ".config.json"))) {
            if (Files.exists(p)) throw new IOException(p + " exists: a revision is written once, never replaced");
        }
        return dir.resolve(name + ".safetensors");
    }

    /** city96's write_config: name, rev, arch, labels {"0": ...}, model_params {features, hidden, outputs}; indent 2. */
    static String configJson(String base, String revision, List<String> labels, int features, int hidden) {
        JsonObject conf = new JsonObject();
        conf.addProperty("name", base);
        conf.addProperty("rev", revision);
        conf.addProperty("arch", "class");
        JsonObject labelMap = new JsonObject();
        for (int i = 0; i < labels.size(); i++) labelMap.addProperty(String.valueOf(i), labels.get(i));
        conf.add("labels", labelMap);
        JsonObject params = new JsonObject();
        params.addProperty("features", features);
        params.addProperty("hidden", hidden);
        params.addProperty("outputs", labels.size());
        conf.add("model_params", params);
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(conf) + "\n";
    }
}
