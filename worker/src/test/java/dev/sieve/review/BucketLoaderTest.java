package dev.sieve.review;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.avro.ScoredImage;
import dev.sieve.sort.Bucket;
import dev.sieve.sort.ScoredImages;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BucketLoaderTest {

    @Test
    void readsAnExportFolderWithForeignNamesAndBrokenRowsWithoutGivingUp(@TempDir Path dir) throws Exception {
        Path bucket = Files.createDirectories(dir.resolve("h%ZZ").resolve("50%ZZ%4"));
        Files.writeString(bucket.resolve("manifest.tsv"), String.join("\n",
                "id\turi\tprobability",
                "good\tfile:///x.png\t0.75",
                "no-probability\tfile:///y.png\tnot a number",
                "short row",
                "bad%ZZescape\\q\tfile:///z.png\t0.5",
                ""));

        ReviewBuckets loaded = BucketLoader.fromExport(dir);

        assertThat(loaded.heads()).containsExactly("h%ZZ");
        assertThat(loaded.labels("h%ZZ")).containsExactly("50%ZZ%4");
        assertThat(loaded.all()).extracting(ReviewImage::id).containsExactlyInAnyOrder("good", "no-probability", "bad%ZZescape\\q");
        assertThat(loaded.find("h%ZZ", "no-probability")).get().extracting(ReviewImage::probability).isEqualTo(Double.NaN);
    }

    @Test
    void aScoreBandBucketShowsTheScoreAndAClassBucketItsLabelAgainstTheBestOther() {
        ScoredImage image = ScoredImages.of("1", "file:///a.png").score("aesthetic", 0.625)
                .classifier("c", "a", 0.25, "b", 0.5, "d", 0.25).build();

        ReviewImage band = BucketLoader.of(new Bucket("aesthetic", "0.50-0.75"), "1", image);
        assertThat(band.probability()).isEqualTo(0.625);
        assertThat(band.margin()).isEqualTo(0.125);
        assertThat(band.labels()).isEmpty();
        assertThat(band.crops()).containsExactly(0.625);

        ReviewImage label = BucketLoader.of(new Bucket("c", "a"), "1", image);
        assertThat(label.probability()).isEqualTo(0.25);
        assertThat(label.margin()).isEqualTo(0.25);
        assertThat(label.labels()).extracting(ReviewImage.LabelProbability::label).containsExactly("a", "b", "d");
        assertThat(BucketLoader.of(new Bucket("c", "0.50-0.75"), "1", image).probability()).isNaN();
    }
}
