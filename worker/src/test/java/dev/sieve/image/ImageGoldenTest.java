package dev.sieve.image;

import dev.sieve.image.clip.ClipPreprocessing;
import dev.sieve.image.clip.ClipProcessor;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.decode.ImageDecoder;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compares sieve's decode, tiling and CLIP preprocessing with Pillow 9.4 + torchvision, through goldens made by
 * scripts/reference/make_image_goldens.py (see scripts/reference/preprocess.py). Equality is exact: the uint8 crops
 * byte for byte, the float32 pixel values bit for bit.
 */
public class ImageGoldenTest {

    public record Case(String file, String mode, int width, int height, boolean tiling, String decoded,
                List<JsonObject> crops, JsonObject whole, String cropsPng) {
        @Override
        public String toString() {
            return file + (tiling ? "" : " (tiling off)");
        }
    }

    public static Stream<Case> cases() {
        JsonObject root = JsonParser.parseString(new String(resource("cases.json"), StandardCharsets.UTF_8))
                .getAsJsonObject();
        return StreamSupport.stream(root.getAsJsonArray("cases").spliterator(), false).map(e -> {
            JsonObject o = e.getAsJsonObject();
            List<JsonObject> crops = StreamSupport.stream(o.getAsJsonArray("crops").spliterator(), false)
                    .map(c -> c.getAsJsonObject()).toList();
            return new Case(o.get("file").getAsString(), o.get("mode").getAsString(), o.get("width").getAsInt(),
                    o.get("height").getAsInt(), o.get("tiling").getAsBoolean(), o.get("decoded").getAsString(),
                    crops, o.get("whole").isJsonNull() ? null : o.getAsJsonObject("whole"),
                    o.get("cropsPng").isJsonNull() ? null : o.get("cropsPng").getAsString());
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decodesToPillowsPixelsInPillowsMode(Case c) throws Exception {
        Pixels pixels = new ImageDecoder(DecodeOptions.defaults()).decode(resource(c.file()));

        assertThat(pixels.width()).isEqualTo(c.width());
        assertThat(pixels.height()).isEqualTo(c.height());
        assertThat(pillowName(pixels.mode())).isEqualTo(c.mode());
        assertThat(sha256(pixels.data())).as("decoded pixels").isEqualTo(c.decoded());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void tilesInTheImagesOwnModeMatchTheReferenceByteForByte(Case c) throws Exception {
        ImagePreparer preparer = new ImagePreparer(ClipPreprocessing.openaiClip336(), DecodeOptions.defaults(), c.tiling());
        Pixels pixels = new ImageDecoder(DecodeOptions.defaults()).decode(resource(c.file()));

        List<Pixels> tiles = preparer.tiles(pixels);

        assertThat(tiles).hasSize(c.crops().size());
        for (int i = 0; i < tiles.size(); i++) {
            assertThat(sha256(tiles.get(i).data())).as("tile %d after the 1536 step and five_crop, in mode %s", i, c.mode())
                    .isEqualTo(c.crops().get(i).get("tile").getAsString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void cropsMatchTheReferenceByteForByte(Case c) throws Exception {
        ImagePreparer preparer = new ImagePreparer(ClipPreprocessing.openaiClip336(), DecodeOptions.defaults(), c.tiling());
        Pixels pixels = new ImageDecoder(DecodeOptions.defaults()).decode(resource(c.file()));

        List<Pixels> crops = preparer.rgbCrops(pixels);

        assertThat(crops).hasSize(c.crops().size());
        Pixels expectedStrip = c.cropsPng() == null ? null
                : new ImageDecoder(DecodeOptions.defaults()).decode(resource(c.cropsPng()));
        for (int i = 0; i < crops.size(); i++) {
            byte[] actual = crops.get(i).data();
            if (expectedStrip != null) {
                int n = actual.length;
                byte[] expected = java.util.Arrays.copyOfRange(expectedStrip.data(), i * n, (i + 1) * n);
                assertThat(differences(actual, expected)).as("crop %d: differing bytes (max abs diff)", i)
                        .isEqualTo("0 (max 0)");
            }
            assertThat(sha256(actual)).as("crop %d uint8 RGB", i).isEqualTo(c.crops().get(i).get("rgb").getAsString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void pixelValuesMatchTheReferenceBitForBit(Case c) throws Exception {
        ImagePreparer preparer = new ImagePreparer(ClipPreprocessing.openaiClip336(), DecodeOptions.defaults(), c.tiling());

        PreparedImage prepared = preparer.prepare(resource(c.file()), true);

        assertThat(prepared.width()).isEqualTo(c.width());
        assertThat(prepared.height()).isEqualTo(c.height());
        assertThat(prepared.tileCount()).isEqualTo(c.crops().size());
        assertThat(prepared.tiled()).isEqualTo(c.crops().size() == 5);
        int per = ClipPreprocessing.openaiClip336().cropFloats();
        for (int i = 0; i < prepared.tileCount(); i++) {
            assertThat(sha256(prepared.tiles(), i * per, per)).as("crop %d float32 CHW", i)
                    .isEqualTo(c.crops().get(i).get("values").getAsString());
        }
        if (c.whole() == null) {
            assertThat(prepared.whole()).isNull();
        } else {
            assertThat(sha256(prepared.whole(), 0, per)).as("whole image float32 CHW")
                    .isEqualTo(c.whole().get("values").getAsString());
        }
    }

    @Test
    void normalisesEveryByteValueAsTransformersDoes() {
        JsonObject golden = JsonParser.parseString(new String(resource("normalise.json"), StandardCharsets.UTF_8))
                .getAsJsonObject();
        byte[] ramp = new byte[256 * 3];
        for (int v = 0; v < 256; v++) {
            ramp[v * 3] = (byte) v;
            ramp[v * 3 + 1] = (byte) v;
            ramp[v * 3 + 2] = (byte) v;
        }
        float[] out = new float[256 * 3];

        new ClipProcessor(ClipPreprocessing.openaiClip336()).normalise(new Pixels(256, 1, PillowMode.RGB, ramp), out, 0);

        for (int ch = 0; ch < 3; ch++) {
            var expected = golden.getAsJsonArray("values").get(ch).getAsJsonArray();
            for (int v = 0; v < 256; v++) {
                assertThat(out[ch * 256 + v]).as("channel %d value %d", ch, v)
                        .isEqualTo(expected.get(v).getAsFloat());
            }
        }
    }

    private static String pillowName(PillowMode mode) {
        return mode == PillowMode.BILEVEL ? "1" : mode.name();
    }

    private static String differences(byte[] a, byte[] b) {
        int count = 0;
        int max = 0;
        for (int i = 0; i < a.length; i++) {
            int d = Math.abs((a[i] & 0xff) - (b[i] & 0xff));
            if (d != 0) count++;
            max = Math.max(max, d);
        }
        return count + " (max " + max + ")";
    }

    public static byte[] resource(String name) {
        try (InputStream in = ImageGoldenTest.class.getResourceAsStream("/image/" + name)) {
            if (in == null) throw new IllegalStateException("missing test resource image/" + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private static String sha256(float[] values, int offset, int count) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values, offset, count);
        return sha256(buf.array());
    }
}
