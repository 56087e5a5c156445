package dev.sieve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {

    @TempDir
    Path temp;

    @Test
    void decodesHalfPrecisionValues() {
        // Values from the IEEE 754 binary16 table.
        assertThat(SafetensorsFile.halfToFloat((short) 0x3c00)).isEqualTo(1.0f);
        assertThat(SafetensorsFile.halfToFloat((short) 0xc000)).isEqualTo(-2.0f);
        assertThat(SafetensorsFile.halfToFloat((short) 0x3555)).isEqualTo(0.333251953125f);
        assertThat(SafetensorsFile.halfToFloat((short) 0x7bff)).isEqualTo(65504f);
        assertThat(SafetensorsFile.halfToFloat((short) 0x0001)).isEqualTo(5.9604645e-8f);
        assertThat(SafetensorsFile.halfToFloat((short) 0x03ff)).isEqualTo(6.097555e-5f);
        assertThat(SafetensorsFile.halfToFloat((short) 0x8000)).isEqualTo(-0.0f);
        assertThat(SafetensorsFile.halfToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(SafetensorsFile.halfToFloat((short) 0x7e00)).isNaN();
    }

    @Test
    void readsFixtureHeadInHeaderOrderWithShapes() throws IOException {
        SafetensorsFile file = SafetensorsFile.read(ModelFixtures.head("TestAnime-Triple-v0.2"));
        assertThat(file.tensors()).hasSize(16);
        assertThat(file.tensors().get("up.0.weight").shape()).containsExactly(64, 768);
        assertThat(file.tensors().get("down.5.bias").shape()).containsExactly(3);
        assertThat(file.tensors().get("down.5.bias").dtype()).isEqualTo("F32");
    }

    @Test
    void skipsMetadataAndRejectsUnsupportedDtype() throws IOException {
        Path file = temp.resolve("t.safetensors");
        writeRaw(file, "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
        assertThatThrownBy(() -> SafetensorsFile.read(file))
                .isInstanceOf(IOException.class).hasMessageContaining("tensor a: dtype I64 is not supported");
    }

    @Test
    void rejectsOffsetsThatDisagreeWithTheShape() throws IOException {
        Path file = temp.resolve("t.safetensors");
        writeRaw(file, "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]);
        assertThatThrownBy(() -> SafetensorsFile.read(file))
                .isInstanceOf(IOException.class).hasMessageContaining("span 8 bytes but F32 [3] needs 12");
    }

    private static void writeRaw(Path file, String header, byte[] data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json).put(data);
        Files.write(file, b.array());
    }
}
