package dev.sieve.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/** Writes float32 safetensors, for tests that need a broken head file. */
final class SafetensorsWriter {

    private SafetensorsWriter() {
    }

    static void write(Path file, Collection<SafetensorsFile.Tensor> tensors) throws IOException {
        JsonObject header = new JsonObject();
        long offset = 0;
        for (SafetensorsFile.Tensor t : tensors) {
            JsonObject spec = new JsonObject();
            spec.addProperty("dtype", "F32");
            JsonArray shape = new JsonArray();
            for (long d : t.shape()) shape.add(d);
            spec.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offset += 4L * t.values().length;
            offsets.add(offset);
            spec.add("data_offsets", offsets);
            header.add(t.name(), spec);
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            out.write(json);
            for (SafetensorsFile.Tensor t : tensors) {
                ByteBuffer data = ByteBuffer.allocate(4 * t.values().length).order(ByteOrder.LITTLE_ENDIAN);
                data.asFloatBuffer().put(t.values());
                out.write(data.array());
            }
        }
    }
}
