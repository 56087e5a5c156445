package dev.sieve.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * A head's {@code <name>.config.json} as city96's {@code utils.write_config} writes it:
 * {@code {"name", "rev", "arch", "labels": {"0": ...} | null, "model_params": {"features", "hidden", "outputs"}}}.
 *
 * @param revision    the rev field, "" when absent
 * @param arch        "class", "score", or "" when absent
 * @param labels      label names by index; empty when the config has none (null for score heads)
 * @param features    model_params.features, or -1 when absent
 * @param hidden      model_params.hidden, or -1 when absent
 * @param outputs     model_params.outputs, or -1 when absent
 */
record HeadConfig(String revision, String arch, Map<Integer, String> labels, int features, int hidden, int outputs) {

    HeadConfig {
        labels = Map.copyOf(labels);
    }

    static HeadConfig read(Path file) throws IOException {
        JsonObject json;
        try {
            json = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IOException(file + " is not a JSON object: " + e.getMessage(), e);
        }
        try {
            Map<Integer, String> labels = new TreeMap<>();
            JsonElement labelsJson = json.get("labels");
            if (labelsJson != null && !labelsJson.isJsonNull()) {
                for (Map.Entry<String, JsonElement> e : labelsJson.getAsJsonObject().entrySet()) {
                    int index;
                    try {
                        index = Integer.parseInt(e.getKey());
                    } catch (NumberFormatException bad) {
                        throw new IllegalArgumentException("label key \"" + e.getKey() + "\" is not an index (\"0\", \"1\", ...)");
                    }
                    if (index < 0) throw new IllegalArgumentException("label index " + index + " is negative");
                    labels.put(index, e.getValue().getAsString());
                }
            }
            JsonObject params = json.has("model_params") && json.get("model_params").isJsonObject()
                    ? json.getAsJsonObject("model_params") : new JsonObject();
            return new HeadConfig(string(json, "rev"), string(json, "arch"), labels,
                    integer(params, "features"), integer(params, "hidden"), integer(params, "outputs"));
        } catch (RuntimeException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static String string(JsonObject json, String key) {
        JsonElement e = json.get(key);
        return e == null || e.isJsonNull() ? "" : e.getAsString();
    }

    private static int integer(JsonObject json, String key) {
        JsonElement e = json.get(key);
        return e == null || e.isJsonNull() ? -1 : e.getAsInt();
    }
}
