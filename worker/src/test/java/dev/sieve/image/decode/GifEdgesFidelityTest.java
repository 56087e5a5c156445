package dev.sieve.image.decode;

import dev.sieve.image.FormatGoldens;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** GIF edge cases (logical screen, frame offset, grey palette) decoded as Pillow 9.4 decodes them, or refused where it refuses: formats/gif/ against its goldens. */
public class GifEdgesFidelityTest {
    @TestFactory
    Stream<DynamicTest> decodesAsPillowOrRefusesAsPillow() {
        return FormatGoldens.check("gif");
    }
}
