package dev.sieve.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.avro.ScoredImage;
import dev.sieve.sort.Bucket;
import dev.sieve.sort.ScoredImages;
import org.junit.jupiter.api.Test;

class ExporterProbabilityTest {

    @Test
    void aBucketSortsByItsLabelOrForAScoreBandByTheScore() {
        ScoredImage image = ScoredImages.of("1", "file:///a.png").score("aesthetic", 0.625)
                .classifier("c", "a", 0.25, "b", 0.75).unknownKind("later", "x", 0.5).build();

        assertThat(Exporter.probability(image, new Bucket("aesthetic", "0.50-0.75"))).isEqualTo(0.625);
        assertThat(Exporter.probability(image, new Bucket("c", "b"))).isEqualTo(0.75);
        assertThat(Exporter.probability(image, new Bucket("c", "0.50-0.75"))).isNaN();
        assertThat(Exporter.probability(image, new Bucket("later", "x"))).isEqualTo(0.5);
        assertThat(Exporter.probability(image, new Bucket("later", "y"))).isNaN();
        assertThat(Exporter.probability(image, new Bucket("absent", "b"))).isNaN();
    }
}
