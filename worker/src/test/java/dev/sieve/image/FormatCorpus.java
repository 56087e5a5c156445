package dev.sieve.image;

import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.decode.ImageDecoder;
import dev.sieve.image.clip.ClipPreprocessing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The format corpus under {@code formats/} (made by scripts/reference/make_format_corpus_*.py) and the check every
 * format family's test runs on it: a file Pillow 9.4 decodes gives the same pixels in the same mode, the same tiles,
 * crops and CLIP input (sha256, as {@link ImageGoldenTest}); a file Pillow refuses is refused with the code its
 * failure maps to.
 */
public final class FormatCorpus {

    /** One file and Pillow's answer: {@code refusedCode} null means decoded. */
    public record Case(String file, String family, String mode, int width, int height, String decoded, List<JsonObject> crops,
            String refusedCode, String pillowError) {
        @Override
        public String toString() {
            return file;
        }
    }

    private FormatCorpus() {
    }

    /** The cases of one family ("jpeg", "webp", "unsupported") in the named golden file. */
    public static Stream<Case> cases(String goldens, String family) {
        JsonObject root = JsonParser.parseString(new String(read(goldens), StandardCharsets.UTF_8)).getAsJsonObject();
        return StreamSupport.stream(root.getAsJsonArray("cases").spliterator(), false).map(e -> e.getAsJsonObject())
                .filter(o -> o.get("family").getAsString().equals(family)).map(FormatCorpus::parse);
    }

    private static Case parse(JsonObject o) {
        if (o.has("refused")) {
            JsonObject r = o.getAsJsonObject("refused");
            return new Case(o.get("file").getAsString(), o.get("family").getAsString(), null, 0, 0, null, List.of(),
                    r.get("code").getAsString(), r.get("pillow").getAsString());
        }
        List<JsonObject> crops = StreamSupport.stream(o.getAsJsonArray("crops").spliterator(), false)
                .map(c -> c.getAsJsonObject()).toList();
        return new Case(o.get("file").getAsString(), o.get("family").getAsString(), o.get("mode").getAsString(),
                o.get("width").getAsInt(), o.get("height").getAsInt(), o.get("decoded").getAsString(), crops, null, null);
    }

    public static byte[] read(String name) {
        try (InputStream in = FormatCorpus.class.getResourceAsStream("/formats/" + name)) {
            if (in == null) throw new IllegalStateException("missing test resource formats/" + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decoded exactly as Pillow decodes it, and prepared into the same CLIP input; or refused as Pillow refuses. */
    public static void assertAsPillow(Case c, DecodeOptions options) throws Exception {
        byte[] encoded = read(c.file());
        ImageDecoder decoder = new ImageDecoder(options);
        if (c.refusedCode() != null) {
            assertThatThrownBy(() -> decoder.decode(encoded)).as("Pillow: %s", c.pillowError())
                    .isInstanceOfSatisfying(StageException.class, e -> {
                        assertThat(e.stage()).isEqualTo(Stage.DECODE);
                        assertThat(e.code()).isEqualTo(FailureCode.valueOf(c.refusedCode()));
                    });
            return;
        }
        Pixels pixels = decoder.decode(encoded);
        assertThat(pixels.width()).isEqualTo(c.width());
        assertThat(pixels.height()).isEqualTo(c.height());
        assertThat(pixels.mode() == PillowMode.BILEVEL ? "1" : pixels.mode().name()).isEqualTo(c.mode());
        assertThat(ImageGoldenTest.sha256(pixels.data())).as("decoded pixels").isEqualTo(c.decoded());

        ImagePreparer preparer = new ImagePreparer(ClipPreprocessing.openaiClip336(), options, true);
        List<Pixels> tiles = preparer.tiles(pixels);
        List<Pixels> crops = preparer.rgbCrops(pixels);
        PreparedImage prepared = preparer.prepare(encoded, false);
        assertThat(tiles).hasSize(c.crops().size());
        assertThat(prepared.tileCount()).isEqualTo(c.crops().size());
        int per = ClipPreprocessing.openaiClip336().cropFloats();
        for (int i = 0; i < tiles.size(); i++) {
            JsonObject expected = c.crops().get(i);
            assertThat(ImageGoldenTest.sha256(tiles.get(i).data())).as("tile %d", i)
                    .isEqualTo(expected.get("tile").getAsString());
            assertThat(ImageGoldenTest.sha256(crops.get(i).data())).as("crop %d uint8 RGB", i)
                    .isEqualTo(expected.get("rgb").getAsString());
            ByteBuffer values = ByteBuffer.allocate(per * 4).order(ByteOrder.LITTLE_ENDIAN);
            values.asFloatBuffer().put(prepared.tiles(), i * per, per);
            assertThat(ImageGoldenTest.sha256(values.array())).as("crop %d float32 CLIP input", i)
                    .isEqualTo(expected.get("values").getAsString());
        }
    }
}
