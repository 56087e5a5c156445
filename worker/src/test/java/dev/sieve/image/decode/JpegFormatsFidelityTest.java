package dev.sieve.image.decode;

import dev.sieve.image.FormatCorpus;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * JPEG variants against Pillow 9.4 (formats/jpeg, scripts/reference/make_format_corpus_jpeg_webp.py): an embedded ICC
 * profile (ignored, as Pillow ignores it), progressive, arithmetic-coded, EXIF-rotated (not rotated, as Image.open
 * does not), greyscale, 4:4:0 and 4:1:1, RGB without YCbCr, restart markers, CMYK with and without Adobe's marker,
 * YCCK, a warning libjpeg decodes through; refused: truncated, 12-bit, two components. Both paths: libjpeg-turbo (the
 * default where libturbojpeg0 loads, skipped where it does not) and the ImageIO fallback.
 */
class JpegFormatsFidelityTest {

    static Stream<FormatCorpus.Case> cases() {
        return FormatCorpus.cases("jpeg-webp.json", "jpeg");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decodesOrRefusesAsPillowThroughLibjpegTurbo(FormatCorpus.Case c) throws Exception {
        assumeThat(TurboJpeg.load()).as("libturbojpeg0 installed").isPresent();
        FormatCorpus.assertAsPillow(c, DecodeOptions.defaults());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decodesOrRefusesAsPillowThroughImageIo(FormatCorpus.Case c) throws Exception {
        FormatCorpus.assertAsPillow(c, new DecodeOptions(DecodeOptions.defaults().maxPixels(), false,
                DecodeOptions.JpegDecoder.IMAGEIO, false));
    }
}
