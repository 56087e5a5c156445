package dev.sieve.image.decode;

import dev.sieve.image.FormatGoldens;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** TGA, uncompressed and RLE decoded as Pillow 9.4 decodes them, or refused where it refuses: formats/tga/ against its goldens. */
public class TgaFidelityTest {
    @TestFactory
    Stream<DynamicTest> decodesAsPillowOrRefusesAsPillow() {
        return FormatGoldens.check("tga");
    }
}
