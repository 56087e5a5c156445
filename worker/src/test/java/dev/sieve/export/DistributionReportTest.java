package dev.sieve.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sieve.sort.Bucket;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DistributionReportTest {

    @Test
    void linesMatchTheSeedCardsPublishedDistributions() {
        // Chromatic Aberration v1.16: 3215 images in dataset.
        assertThat(DistributionReport.line("0_reg", 395, 3215)).isEqualTo("0_reg - 395 ||||");
        assertThat(DistributionReport.line("0_reg_booru", 1805, 3215)).isEqualTo("0_reg_booru - 1805 ||||||||||||||||||||||");
        assertThat(DistributionReport.line("1_chroma", 515, 3215)).isEqualTo("1_chroma - 515 ||||||");
        assertThat(DistributionReport.line("1_synthetic", 500, 3215)).isEqualTo("1_synthetic - 500 ||||||");
        assertThat(DistributionReport.line("00", 2200, 3215)).isEqualTo("00 - 2200 |||||||||||||||||||||||||||");
        assertThat(DistributionReport.line("01", 1015, 3215)).isEqualTo("01 - 1015 ||||||||||||");
        // Compression v1.5: 22736 images in dataset.
        assertThat(DistributionReport.line("0_fpl", 108, 22736)).isEqualTo("0_fpl - 108");
        assertThat(DistributionReport.line("0_reg_gel", 7445, 22736)).isEqualTo("0_reg_gel - 7445 |||||||||||||");
        assertThat(DistributionReport.line("00", 7695, 22736)).isEqualTo("00 - 7695 |||||||||||||");
        assertThat(DistributionReport.line("2_syn_webp", 0, 22736)).isEqualTo("2_syn_webp - 0");
    }

    @Test
    void countsDistinctImagesOverallAndPerHead() {
        DistributionReport report = DistributionReport.of(Map.of(
                new Bucket("chroma", "Pass"), Set.of("a", "b", "c"),
                new Bucket("chroma", "Chromatic Aberration"), Set.of("d"),
                new Bucket("compression", "JPEG"), Set.of("a", "d"),
                new Bucket("compression", "WEBP"), Set.of("d")));
        assertThat(report.text()).isEqualTo("""
                Final dataset score distribution:
                4 images in dataset.
                chroma/Chromatic Aberration - 1 ||||||||||
                chroma/Pass - 3 ||||||||||||||||||||||||||||||
                compression/JPEG - 2 ||||||||||||||||||||
                compression/WEBP - 1 ||||||||||
                Class ratios:
                chroma (4 images):
                  Chromatic Aberration - 1 ||||||||||
                  Pass - 3 ||||||||||||||||||||||||||||||
                compression (2 images):
                  JPEG - 2 ||||||||||||||||||||||||||||||||||||||||
                  WEBP - 1 ||||||||||||||||||||
                """);
        JsonObject json = JsonParser.parseString(report.json()).getAsJsonObject();
        assertThat(json.get("total_images").getAsLong()).isEqualTo(4);
        assertThat(json.getAsJsonArray("buckets")).hasSize(4);
        JsonObject pass = json.getAsJsonArray("buckets").get(1).getAsJsonObject();
        assertThat(pass.get("label").getAsString()).isEqualTo("Pass");
        assertThat(pass.get("count").getAsLong()).isEqualTo(3);
        assertThat(pass.get("ratio").getAsDouble()).isEqualTo(0.75);
        JsonObject compression = json.getAsJsonArray("heads").get(1).getAsJsonObject();
        assertThat(compression.get("images").getAsLong()).isEqualTo(2);
        assertThat(compression.getAsJsonArray("labels").get(1).getAsJsonObject().get("ratio").getAsDouble()).isEqualTo(0.5);
    }

    @Test
    void anEmptyExportSaysSo() {
        assertThat(DistributionReport.of(Map.of()).text()).isEqualTo("Final dataset score distribution:\n0 images in dataset.\nClass ratios:\n");
    }
}
