package dev.sieve.image.decode;

import dev.sieve.image.FormatGoldens;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** PBM, PGM and PPM, binary and plain decoded as Pillow 9.4 decodes them, or refused where it refuses: formats/pnm/ against its goldens. */
public class PnmFidelityTest {
    @TestFactory
    Stream<DynamicTest> decodesAsPillowOrRefusesAsPillow() {
        return FormatGoldens.check("pnm");
    }
}
