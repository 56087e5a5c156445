package dev.sieve.image.decode;

import dev.sieve.image.FormatGoldens;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** ICO and CUR decoded as Pillow 9.4 decodes them, or refused where it refuses: formats/ico/ against its goldens. */
public class IcoFidelityTest {
    @TestFactory
    Stream<DynamicTest> decodesAsPillowOrRefusesAsPillow() {
        return FormatGoldens.check("ico");
    }
}
