package dev.sieve.image.decode;

import dev.sieve.image.FormatGoldens;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** BMP (every header, depth, compression and palette rule) decoded as Pillow 9.4 decodes them, or refused where it refuses: formats/bmp/ against its goldens. */
public class BmpFidelityTest {
    @TestFactory
    Stream<DynamicTest> decodesAsPillowOrRefusesAsPillow() {
        return FormatGoldens.check("bmp");
    }
}
