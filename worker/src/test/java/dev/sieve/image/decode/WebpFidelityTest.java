package dev.sieve.image.decode;

import dev.sieve.image.FormatCorpus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.image.PixelBudget;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * WebP through libwebp against Pillow 9.4 (formats/webp, scripts/reference/make_format_corpus_jpeg_webp.py): lossy,
 * lossless, with alpha (mode RGBA, alpha dropped by convert("RGB")), animated (the first frame composed by
 * WebPAnimDecoder, also when it covers only part of the canvas); refused: truncated, a RIFF size past the end, a
 * first chunk Pillow does not accept, a 16384x16384 canvas (Pillow's bomb check), a still image whose canvas disagrees
 * with its bitstream.
 */
class WebpFidelityTest {

    @BeforeAll
    static void libwebpLoads() {
        assumeThat(LibWebp.load()).as("libwebp7 and libwebpdemux2 installed").isPresent();
    }

    static Stream<FormatCorpus.Case> cases() {
        return FormatCorpus.cases("jpeg-webp.json", "webp");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decodesOrRefusesAsPillow(FormatCorpus.Case c) throws Exception {
        FormatCorpus.assertAsPillow(c, DecodeOptions.defaults());
    }

    @Test
    void theCanvasIsCheckedAgainstThePixelLimitBeforeItIsAllocated() {
        byte[] lossy = FormatCorpus.read("webp/lossy.webp"); // 203 x 151
        ImageDecoder decoder = new ImageDecoder(new DecodeOptions(203 * 151 - 1, false));

        assertThatThrownBy(() -> decoder.decode(lossy)).isInstanceOfSatisfying(StageException.class, e -> {
            assertThat(e.code()).isEqualTo(FailureCode.TOO_MANY_PIXELS);
            assertThat(e.getMessage()).contains("203x151");
        });
    }

    @Test
    void theDecoderTakesItsShareOfThePixelBudgetAndRefusesWhatNeverFits() throws Exception {
        byte[] lossy = FormatCorpus.read("webp/lossy.webp");
        ImageDecoder decoder = new ImageDecoder(DecodeOptions.defaults());
        long cost = 3L * 203 * 151 + lossy.length / 4;

        PixelBudget tooSmall = new PixelBudget(cost - 1);
        try (PixelBudget.Share share = tooSmall.share()) {
            assertThatThrownBy(() -> decoder.decode(lossy, null, share)).isInstanceOfSatisfying(StageException.class,
                    e -> assertThat(e.code()).isEqualTo(FailureCode.TOO_MANY_PIXELS));
        }
        PixelBudget enough = new PixelBudget(cost);
        try (PixelBudget.Share share = enough.share()) {
            decoder.decode(lossy, null, share);
            assertThat(share.held()).isEqualTo(cost);
        }
    }

    @Test
    void aMissingLibraryLoadsAsEmpty() {
        assertThat(LibWebp.open("sieve-no-such-webp", "webpdemux")).isEmpty();
    }
}
