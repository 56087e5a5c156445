package dev.sieve.image.decode;

import dev.sieve.image.FormatGoldens;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Differential check against Pillow 9.4 on mutated files: {@code scripts/reference/raster_mutants.py DIR N SEED} writes
 * N mutants of every file of the raster corpus and what Pillow made of each, then
 * {@code mvn -o verify -pl worker -am -Dtest=RasterDifferentialMeasurement -Dsieve.rasterMutants=DIR} decodes them
 * here and compares (pixels and CLIP input, or the refusal's code). Not part of {@code mvn verify}.
 */
@EnabledIfSystemProperty(named = "sieve.rasterMutants", matches = ".+")
class RasterDifferentialMeasurement {
    @TestFactory
    Stream<DynamicTest> mutantsDecodeOrFailAsInPillow() {
        return FormatGoldens.check(Path.of(System.getProperty("sieve.rasterMutants")));
    }
}
