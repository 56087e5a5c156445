package dev.sieve.image.clip;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * CLIPImageProcessor's settings, read from the Hugging Face {@code preprocessor_config.json} that sits next to
 * the TorchScript CLIP, so a 224 model works as well as the 336 one.
 *
 * @param size          shortest edge the image is resized to (336 for clip-vit-large-patch14-336)
 * @param cropSize      side of the centre crop fed to CLIP
 * @param mean          per-channel mean (RGB) subtracted after rescaling
 * @param std           per-channel std (RGB) divided by after subtracting the mean
 * @param rescaleFactor multiplier from 8-bit values to [0,1] (1/255)
 */
public record ClipPreprocessing(int size, int cropSize, float[] mean, float[] std, double rescaleFactor) {

    public ClipPreprocessing {
        if (size < 1) throw new IllegalArgumentException("size must be >= 1, got " + size);
        if (cropSize < 1 || cropSize > size) {
            throw new IllegalArgumentException("crop_size must be in [1, size=" + size + "], got " + cropSize);
        }
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("image_mean and image_std need 3 values (RGB), got "
                    + Arrays.toString(mean) + " and " + Arrays.toString(std));
        }
        for (float s : std) {
            if (!(s > 0)) throw new IllegalArgumentException("image_std values must be > 0, got " + Arrays.toString(std));
        }
        if (!(rescaleFactor > 0)) throw new IllegalArgumentException("rescale_factor must be > 0, got " + rescaleFactor);
        mean = mean.clone();
        std = std.clone();
    }

    /** The processor of openai/clip-vit-large-patch14-336, the CLIP city96's heads were trained on. */
    public static ClipPreprocessing openaiClip336() {
        return new ClipPreprocessing(336, 336,
                new float[] {0.48145466f, 0.4578275f, 0.40821073f},
                new float[] {0.26862954f, 0.26130258f, 0.27577711f}, 1 / 255.0);
    }

    /** city96's tile: twice the processor's shortest edge (672 for the 336 model; the model card's 512 is 2x256). */
    public int tileSize() {
        return 2 * size;
    }

    /** Floats in one preprocessed crop: 3 x cropSize x cropSize, CHW. */
    public int cropFloats() {
        return 3 * cropSize * cropSize;
    }

    public static ClipPreprocessing read(Path preprocessorConfigJson) throws IOException {
        if (!Files.isRegularFile(preprocessorConfigJson)) {
            throw new IOException("no preprocessor_config.json at " + preprocessorConfigJson
                    + " (it must sit next to the CLIP TorchScript file; see models/README.md)");
        }
        JsonObject json;
        try {
            json = JsonParser.parseString(Files.readString(preprocessorConfigJson)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IOException(preprocessorConfigJson + " is not a JSON object: " + e.getMessage(), e);
        }
        try {
            int resample = json.has("resample") ? json.get("resample").getAsInt() : 3;
            if (resample != 3) {
                throw new IOException(preprocessorConfigJson + ": resample=" + resample
                        + " is not supported; sieve implements CLIP's bicubic (3) only");
            }
            if (json.has("do_resize") && !json.get("do_resize").getAsBoolean()
                    || json.has("do_center_crop") && !json.get("do_center_crop").getAsBoolean()) {
                throw new IOException(preprocessorConfigJson + ": do_resize and do_center_crop must be true");
            }
            int size = edge(json.get("size"), "shortest_edge");
            int crop = json.has("crop_size") ? edge(json.get("crop_size"), "height") : size;
            double rescale = json.has("rescale_factor") ? json.get("rescale_factor").getAsDouble() : 1 / 255.0;
            return new ClipPreprocessing(size, crop, floats(json, "image_mean"), floats(json, "image_std"), rescale);
        } catch (RuntimeException e) {
            throw new IOException(preprocessorConfigJson + ": " + e.getMessage(), e);
        }
    }

    // transformers accepts an int or a dict ({"shortest_edge": n} for size, {"height","width"} for crop_size).
    private static int edge(JsonElement e, String key) {
        if (e == null) throw new IllegalArgumentException("missing size");
        if (e.isJsonPrimitive()) return e.getAsInt();
        JsonObject o = e.getAsJsonObject();
        if (o.has(key)) return o.get(key).getAsInt();
        if (o.has("height") && o.has("width") && o.get("height").getAsInt() == o.get("width").getAsInt()) {
            return o.get("height").getAsInt();
        }
        throw new IllegalArgumentException("unsupported size " + e + " (expected an int or {\"" + key + "\": n})");
    }

    private static float[] floats(JsonObject json, String key) {
        if (!json.has(key)) throw new IllegalArgumentException("missing " + key);
        var arr = json.getAsJsonArray(key);
        float[] out = new float[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).getAsFloat();
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClipPreprocessing c && size == c.size && cropSize == c.cropSize
                && Arrays.equals(mean, c.mean) && Arrays.equals(std, c.std) && rescaleFactor == c.rescaleFactor;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * size + cropSize) + Arrays.hashCode(mean);
    }

    @Override
    public String toString() {
        return "ClipPreprocessing[size=" + size + ", cropSize=" + cropSize + ", mean=" + Arrays.toString(mean)
                + ", std=" + Arrays.toString(std) + ", rescale=" + rescaleFactor + "]";
    }
}
