package dev.sieve.image.decode;

import static dev.sieve.image.ImageGoldenTest.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sieve.StageException;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.PillowMode;
import dev.sieve.image.PixelBudget;
import dev.sieve.image.Pixels;
import dev.sieve.image.PreparedImage;
import dev.sieve.image.clip.ClipPreprocessing;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * TIFFs as Pillow 9.4 reads them, judged by the reference itself: the goldens of
 * scripts/reference/make_format_corpus_tiff.py hold, per file, the decoded pixels in Pillow's mode, each tile after
 * the 1536 step and five_crop, each uint8 RGB crop and each float32 CLIP input (sha256, exact), or the exception
 * the reference raised and the code sieve must refuse the file with.
 */
class TiffFidelityTest {
    private static final ImagePreparer PREPARER =
            new ImagePreparer(ClipPreprocessing.openaiClip336(), DecodeOptions.defaults(), true);

    record Case(String file, int width, int height, String mode, String decoded, List<JsonObject> crops,
                JsonObject whole, String refused, String code) {
        @Override
        public String toString() {
            return file;
        }
    }

    static Stream<Case> scored() {
        return cases().filter(c -> c.refused() == null);
    }

    static Stream<Case> refused() {
        return cases().filter(c -> c.refused() != null);
    }

    private static Stream<Case> cases() {
        JsonObject root = JsonParser.parseString(new String(resource("cases.json"), StandardCharsets.UTF_8))
                .getAsJsonObject();
        return StreamSupport.stream(root.getAsJsonArray("cases").spliterator(), false).map(e -> {
            JsonObject o = e.getAsJsonObject();
            boolean refused = o.has("refused");
            return new Case(o.get("file").getAsString(), o.get("width").getAsInt(), o.get("height").getAsInt(),
                    refused ? null : o.get("mode").getAsString(), refused ? null : o.get("decoded").getAsString(),
                    refused ? List.of() : StreamSupport.stream(o.getAsJsonArray("crops").spliterator(), false)
                            .map(c -> c.getAsJsonObject()).toList(),
                    refused || o.get("whole").isJsonNull() ? null : o.getAsJsonObject("whole"),
                    refused ? o.get("refused").getAsString() : null, refused ? o.get("code").getAsString() : null);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scored")
    void decodesToPillowsPixelsInPillowsMode(Case c) throws Exception {
        Pixels pixels = new ImageDecoder(DecodeOptions.defaults()).decode(resource(c.file()));

        assertThat(pixels.width()).isEqualTo(c.width());
        assertThat(pixels.height()).isEqualTo(c.height());
        assertThat(pixels.mode()).isEqualTo(sieveMode(c.mode()));
        assertThat(sha256(pixels.data())).as("decoded pixels").isEqualTo(c.decoded());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scored")
    void tilesAndCropsMatchTheReferenceByteForByte(Case c) throws Exception {
        Pixels pixels = new ImageDecoder(DecodeOptions.defaults()).decode(resource(c.file()));

        List<Pixels> tiles = PREPARER.tiles(pixels);
        List<Pixels> crops = PREPARER.rgbCrops(pixels);

        assertThat(tiles).hasSize(c.crops().size());
        for (int i = 0; i < tiles.size(); i++) {
            assertThat(tiles.get(i).mode()).isEqualTo(pixels.mode());
            assertThat(sha256(tiles.get(i).data())).as("tile %d in mode %s", i, c.mode())
                    .isEqualTo(c.crops().get(i).get("tile").getAsString());
            assertThat(sha256(crops.get(i).data())).as("crop %d uint8 RGB", i)
                    .isEqualTo(c.crops().get(i).get("rgb").getAsString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scored")
    void clipInputMatchesTheReferenceBitForBit(Case c) throws Exception {
        PreparedImage prepared = PREPARER.prepare(resource(c.file()), true, new PixelBudget(64_000_000));

        int per = ClipPreprocessing.openaiClip336().cropFloats();
        assertThat(prepared.tileCount()).isEqualTo(c.crops().size());
        for (int i = 0; i < prepared.tileCount(); i++) {
            assertThat(floatSha256(prepared.tiles(), i * per, per)).as("crop %d float32 CHW", i)
                    .isEqualTo(c.crops().get(i).get("values").getAsString());
        }
        if (c.whole() == null) {
            assertThat(prepared.whole()).isNull();
        } else {
            assertThat(floatSha256(prepared.whole(), 0, per)).isEqualTo(c.whole().get("values").getAsString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusesWhereTheReferenceRefusesWithPillowsReason(Case c) {
        StageException e = catchThrowableOfType(
                () -> PREPARER.prepare(resource(c.file()), true, new PixelBudget(64_000_000)), StageException.class);

        assertThat(e).as("the reference raised %s", c.refused()).isNotNull();
        assertThat(e.code().name()).as(e.getMessage()).isEqualTo(c.code());
    }

    @Test
    void theCorpusCoversEveryWideModeAndARefusalOfEachKind() {
        assertThat(scored().map(Case::mode)).contains("I;16", "I;16B", "I", "F", "CMYK", "1", "P", "L", "LA", "RGB",
                "RGBA");
        assertThat(refused().map(Case::code)).contains("UNSUPPORTED_FORMAT", "CORRUPT_IMAGE", "TOO_MANY_PIXELS");
    }

    private static PillowMode sieveMode(String pillow) {
        return switch (pillow) {
            case "1" -> PillowMode.BILEVEL;
            case "I;16", "I;16B" -> PillowMode.I16;
            case "RGBX" -> PillowMode.RGB;
            default -> PillowMode.valueOf(pillow);
        };
    }

    private static String floatSha256(float[] values, int offset, int count) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values, offset, count);
        return sha256(buf.array());
    }

    static byte[] resource(String name) {
        try (InputStream in = TiffFidelityTest.class.getResourceAsStream("/formats/tiff/" + name)) {
            if (in == null) throw new IllegalStateException("missing test resource formats/tiff/" + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
