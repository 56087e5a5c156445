package dev.sieve.image.decode;

import dev.sieve.image.FormatGoldens;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** PNG edge cases (IHDR checksum, 1/2/4-bit, transparency, interlaced, APNG) decoded as Pillow 9.4 decodes them, or refused where it refuses: formats/png/ against its goldens. */
public class PngEdgesFidelityTest {
    @TestFactory
    Stream<DynamicTest> decodesAsPillowOrRefusesAsPillow() {
        return FormatGoldens.check("png");
    }
}
