package dev.sieve.image.decode;

import dev.sieve.image.Pixels;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import dev.sieve.fuzz.SeededFuzzing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Fuzz target: image bytes through {@link ImageDecoder} (the PNG path sieve decodes itself, libjpeg-turbo for JPEG
 * where it loads, libwebp for WebP, ImageIO and TwelveMonkeys for the rest), with a 4-megapixel limit. The property: pixels or a
 * DECODE {@link StageException} other than INTERNAL, nothing else; at most 24 bytes per allowed pixel plus 16 MiB
 * and 64 bytes per input byte allocated (the largest legitimate decode, an RGBA image at the limit converted once,
 * fits well inside); an answer within 20 s.
 *
 * <p>The corpus is every test image under 64 KB (the hostile set, the golden cases and the format corpus: WebP through
 * libwebp, JPEG variants, TIFF, the formats only named). {@code mvn verify} runs
 * 400 seeded mutations; {@code scripts/bench fuzz} runs {@link #fuzzerTestOneInput} under Jazzer.
 */
public class ImageDecodingFuzzTest {
    private static final long MAX_PIXELS = 4_000_000;
    private static final ImageDecoder DECODER = new ImageDecoder(new DecodeOptions(MAX_PIXELS, true));
    public static final SeededFuzzing.Limits LIMITS = new SeededFuzzing.Limits(256 * 1024, Duration.ofSeconds(20),
            n -> 24 * MAX_PIXELS + (16 << 20) + 64L * n);

    /** Jazzer runs this once before fuzzing: classes load (and are instrumented) here, not in the first timed input. */
    public static void fuzzerInitialize() {
        seeds().forEach(ImageDecodingFuzzTest::decode);
    }

    /** Jazzer's entry point. */
    public static void fuzzerTestOneInput(byte[] encoded) {
        decode(encoded);
    }

    public static List<byte[]> seeds() {
        Path resources = Path.of(System.getProperty("sieve.repo", ".."), "worker/src/test/resources");
        try (Stream<Path> files = Stream.of("hostile", "image/cases", "formats").flatMap(d -> walk(resources.resolve(d)))) {
            return files.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".json"))
                    .filter(p -> size(p) < 64 * 1024).sorted().map(ImageDecodingFuzzTest::read).toList();
        }
    }

    public static String decode(byte[] encoded) {
        try {
            Pixels p = DECODER.decode(encoded);
            return "decoded:" + p.mode();
        } catch (StageException e) {
            if (e.stage() != Stage.DECODE || e.code() == FailureCode.INTERNAL) throw new AssertionError("not a coded decode failure: " + e, e);
            return e.code() + ":" + SeededFuzzing.signature(e);
        }
    }

    @Test
    void mutatedImagesDecodeOrFailWithACodedDecodeFailure() {
        List<byte[]> seeds = seeds();
        assertThat(seeds).hasSizeGreaterThan(10);
        SeededFuzzing.Report report = SeededFuzzing.run("image", seeds, ImageDecodingFuzzTest::decode, LIMITS, 13, 400);
        System.out.println(report);
        assertThat(report.outcomes()).isGreaterThan(3);
    }

    private static Stream<Path> walk(Path dir) {
        try {
            return Files.walk(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
