package dev.sieve.review;

import static org.assertj.core.api.Assertions.assertThat;

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
}
