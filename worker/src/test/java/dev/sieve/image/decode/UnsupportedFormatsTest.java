package dev.sieve.image.decode;

import dev.sieve.image.FormatCorpus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Formats Pillow 9.4 does not open by default (formats/unsupported, made with ImageMagick and cjxl; Pillow answers
 * "cannot identify image file" for each): refused as UNSUPPORTED_FORMAT with the format named, not as NOT_AN_IMAGE.
 */
class UnsupportedFormatsTest {

    static Stream<FormatCorpus.Case> cases() {
        return FormatCorpus.cases("jpeg-webp.json", "unsupported");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedAsUnsupportedWithTheFormatNamed(FormatCorpus.Case c) {
        assertThat(c.pillowError()).startsWith("UnidentifiedImageError");
        String expected = c.file().endsWith(".avif") ? "AVIF" : c.file().endsWith(".heic") ? "HEIF/HEIC"
                : c.file().endsWith(".jxl") ? "JPEG XL" : "SVG";

        assertThatThrownBy(() -> new ImageDecoder(DecodeOptions.defaults()).decode(FormatCorpus.read(c.file())))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.stage()).isEqualTo(Stage.DECODE);
                    assertThat(e.code()).isEqualTo(FailureCode.valueOf(c.refusedCode()));
                    assertThat(e.getMessage()).startsWith(expected + " ").contains("Pillow 9.4 does not open it");
                });
    }

    @Test
    void namesJpeg2000AsAFormatPillowOpensAndLeavesPlainTextAndXmlAlone() {
        byte[] jp2 = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, (byte) 0x87, 0x0A, 0, 0, 0, 0};
        assertThat(UnsupportedFormat.describe(jp2)).startsWith("JPEG 2000").contains("Pillow 9.4 opens it");
        assertThat(UnsupportedFormat.name("<?xml version=\"1.0\"?><feed/>".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(UnsupportedFormat.name("<!doctype html><html></html>".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(UnsupportedFormat.name(new byte[] {0x1F, (byte) 0x8B, 8, 0})).isNull();
        assertThat(UnsupportedFormat.name(new byte[0])).isNull();
    }
}
