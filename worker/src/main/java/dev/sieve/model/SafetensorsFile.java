package dev.sieve.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tensors of a {@code .safetensors} file, widened to float32.
 *
 * <p>Layout: an unsigned 64-bit little-endian header length, a JSON header
 * {@code {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}}, then the raw
 * little-endian data, offsets relative to the end of the header. Read by hand rather than with DJL's
 * {@code NDList.decode} so that a bad file is reported with the file and the tensor at fault.
 */
public final class SafetensorsFile {

    /** One tensor, row-major. */
    public record Tensor(String name, String dtype, long[] shape, float[] values) {
        public Tensor {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public String shapeText() {
            return Arrays.toString(shape);
        }
    }

    // Larger headers do not occur in practice; the bound stops a corrupt length from allocating gigabytes.
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private final Path file;
    private final Map<String, Tensor> tensors;

    private SafetensorsFile(Path file, Map<String, Tensor> tensors) {
        this.file = file;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    public Path file() {
        return file;
    }

    /** Tensors by name, in header order. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public static SafetensorsFile read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("no safetensors file at " + file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) throw new IOException(file + " is not a safetensors file: only " + size + " bytes");
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength < 2 || headerLength > Math.min(MAX_HEADER_BYTES, size - 8)) {
                throw new IOException(file + " is not a safetensors file: header length " + Long.toUnsignedString(headerLength)
                        + " does not fit a file of " + size + " bytes");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(channel, headerBytes, 8);
            JsonObject header = parseHeader(file, new String(headerBytes.array(), StandardCharsets.UTF_8));
            long dataStart = 8 + headerLength;
            long dataLength = size - dataStart;
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> entry : header.entrySet()) {
                if (entry.getKey().equals("__metadata__")) continue;
                tensors.put(entry.getKey(), readTensor(file, channel, entry.getKey(), entry.getValue(), dataStart, dataLength));
            }
            return new SafetensorsFile(file, tensors);
        }
    }

    private static JsonObject parseHeader(Path file, String text) throws IOException {
        try {
            JsonElement json = JsonParser.parseString(text.strip());
            if (!json.isJsonObject()) throw new IOException(file + ": safetensors header is not a JSON object");
            return json.getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IOException(file + ": safetensors header is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static Tensor readTensor(Path file, FileChannel channel, String name, JsonElement spec, long dataStart,
                                     long dataLength) throws IOException {
        String where = file + ": tensor " + name;
        String dtype;
        long[] shape;
        long begin;
        long end;
        try {
            JsonObject o = spec.getAsJsonObject();
            dtype = o.get("dtype").getAsString();
            var dims = o.getAsJsonArray("shape");
            shape = new long[dims.size()];
            for (int i = 0; i < shape.length; i++) shape[i] = dims.get(i).getAsLong();
            var offsets = o.getAsJsonArray("data_offsets");
            if (offsets.size() != 2) throw new IllegalArgumentException("data_offsets needs 2 values");
            begin = offsets.get(0).getAsLong();
            end = offsets.get(1).getAsLong();
        } catch (RuntimeException e) {
            throw new IOException(where + ": malformed header entry " + spec + " (" + e.getMessage() + ")", e);
        }
        int width = switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            case "F64" -> 8;
            default -> throw new IOException(where + ": dtype " + dtype + " is not supported (F32, F16, BF16, F64 are)");
        };
        long count = 1;
        for (long d : shape) {
            if (d < 0) throw new IOException(where + ": negative dimension in shape " + Arrays.toString(shape));
            count = Math.multiplyExact(count, d);
        }
        if (count > Integer.MAX_VALUE - 8) throw new IOException(where + ": " + count + " elements is too many for one tensor");
        if (begin < 0 || end < begin || end > dataLength) {
            throw new IOException(where + ": data_offsets [" + begin + ", " + end + "] fall outside the " + dataLength
                    + "-byte data section (truncated file?)");
        }
        if (end - begin != count * width) {
            throw new IOException(where + ": data_offsets span " + (end - begin) + " bytes but " + dtype + " "
                    + Arrays.toString(shape) + " needs " + count * width);
        }
        ByteBuffer raw = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, raw, dataStart + begin);
        raw.flip();
        float[] values = new float[(int) count];
        switch (dtype) {
            case "F32" -> raw.asFloatBuffer().get(values);
            case "F64" -> {
                for (int i = 0; i < values.length; i++) values[i] = (float) raw.getDouble();
            }
            case "F16" -> {
                for (int i = 0; i < values.length; i++) values[i] = halfToFloat(raw.getShort());
            }
            default -> { // BF16: the upper half of a float32
                for (int i = 0; i < values.length; i++) values[i] = Float.intBitsToFloat((raw.getShort() & 0xffff) << 16);
            }
        }
        return new Tensor(name, dtype, shape, values);
    }

    /**
     * Writes float32 tensors in the order given, as the safetensors library lays them out: the JSON header padded
     * with spaces to a multiple of 8 bytes, then the data. The same tensors give the same bytes.
     */
    public static void write(Path file, List<Tensor> tensors) throws IOException {
        JsonObject header = new JsonObject();
        long offset = 0;
        for (Tensor t : tensors) {
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
        StringBuilder json = new StringBuilder(header.toString());
        while (json.length() % 8 != 0) json.append(' '); // ASCII: one byte per char
        byte[] headerBytes = json.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + headerBytes.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(headerBytes.length).put(headerBytes);
        for (Tensor t : tensors) for (float v : t.values()) out.putFloat(v);
        Files.write(file, out.array());
    }

    static float halfToFloat(short half) {
        return Half.toFloat(half);
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        long at = position;
        while (into.hasRemaining()) {
            int n = channel.read(into, at);
            if (n < 0) throw new IOException("unexpected end of file at byte " + at);
            at += n;
        }
    }
}
