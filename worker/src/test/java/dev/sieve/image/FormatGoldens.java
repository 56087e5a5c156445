package dev.sieve.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import dev.sieve.image.clip.ClipPreprocessing;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.decode.ImageDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.DynamicTest;

/**
 * The format corpus under {@code formats/<folder>/} against its goldens from Pillow 9.4
 * (scripts/reference/make_format_corpus_raster.py): a file Pillow opens decodes to the same mode, size and pixels
 * (sha256) and gives the same tiles, uint8 crops and float32 CLIP input; a file Pillow refuses (or the reference's
 * preprocessing refuses) is refused with the code its failure maps to.
 */
public final class FormatGoldens {
    private FormatGoldens() {}

    public static Stream<DynamicTest> check(String folder) {
        return check(name -> resource(folder + "/" + name));
    }

    /** The same checks on a folder outside the test resources (a cases.json beside its files). */
    public static Stream<DynamicTest> check(Path folder) {
        return check(name -> {
            try {
                return Files.readAllBytes(folder.resolve(name));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static Stream<DynamicTest> check(Function<String, byte[]> files) {
        JsonObject root = JsonParser.parseString(new String(files.apply("cases.json"), StandardCharsets.UTF_8))
                .getAsJsonObject();
        return StreamSupport.stream(root.getAsJsonArray("cases").spliterator(), false)
                .map(e -> e.getAsJsonObject())
                .map(c -> DynamicTest.dynamicTest(c.get("file").getAsString(),
                        () -> check(files.apply(c.get("file").getAsString()), c)));
    }

    private static void check(byte[] encoded, JsonObject c) throws Exception {
        ImageDecoder decoder = new ImageDecoder(DecodeOptions.defaults());
        if (c.has("refused")) {
            StageException e = catchThrowableOfType(StageException.class, () -> decoder.decode(encoded));
            Stage stage = Stage.DECODE;
            if (e == null) {
                // What Pillow opens but the reference's preprocessing refuses (the 1536 step for a mode Pillow
                // cannot resize) is refused when preparing, from the header's size, before the pixels are decoded.
                ImagePreparer preparer = new ImagePreparer(ClipPreprocessing.openaiClip336(), DecodeOptions.defaults(),
                        true);
                e = catchThrowableOfType(StageException.class, () -> preparer.prepare(encoded, true));
                stage = Stage.PREPROCESS;
            }
            assertThat(e).as("refused as Pillow refuses it (%s)", c.get("pillow").getAsString()).isNotNull();
            assertThat(e.stage()).isEqualTo(stage);
            assertThat(e.code()).as(e.getMessage()).isEqualTo(FailureCode.valueOf(c.get("refused").getAsString()));
            return;
        }
        Pixels pixels = decoder.decode(encoded);
        String mode = c.get("mode").getAsString();
        assertThat(pixels.mode() == PillowMode.BILEVEL ? "1" : pixels.mode().name()).isEqualTo(mode);
        assertThat(pixels.width()).isEqualTo(c.get("width").getAsInt());
        assertThat(pixels.height()).isEqualTo(c.get("height").getAsInt());
        assertThat(ImageGoldenTest.sha256(pixels.data())).as("decoded pixels").isEqualTo(c.get("decoded").getAsString());

        ImagePreparer preparer = new ImagePreparer(ClipPreprocessing.openaiClip336(), DecodeOptions.defaults(), true);
        List<JsonObject> crops = StreamSupport.stream(c.getAsJsonArray("crops").spliterator(), false)
                .map(e -> e.getAsJsonObject()).toList();
        List<Pixels> tiles = preparer.tiles(pixels);
        List<Pixels> rgb = preparer.rgbCrops(pixels);
        PreparedImage prepared = preparer.prepare(encoded, false);
        assertThat(tiles).hasSameSizeAs(crops);
        int per = ClipPreprocessing.openaiClip336().cropFloats();
        for (int i = 0; i < crops.size(); i++) {
            assertThat(ImageGoldenTest.sha256(tiles.get(i).data())).as("tile %d", i)
                    .isEqualTo(crops.get(i).get("tile").getAsString());
            assertThat(ImageGoldenTest.sha256(rgb.get(i).data())).as("crop %d uint8 RGB", i)
                    .isEqualTo(crops.get(i).get("rgb").getAsString());
            ByteBuffer values = ByteBuffer.allocate(per * 4).order(ByteOrder.LITTLE_ENDIAN);
            values.asFloatBuffer().put(prepared.tiles(), i * per, per);
            assertThat(ImageGoldenTest.sha256(values.array())).as("crop %d float32 CLIP input", i)
                    .isEqualTo(crops.get(i).get("values").getAsString());
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = FormatGoldens.class.getResourceAsStream("/formats/" + name)) {
            if (in == null) throw new IllegalStateException("missing test resource formats/" + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
