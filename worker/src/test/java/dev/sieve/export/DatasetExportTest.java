package dev.sieve.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.avro.Correction;
import dev.sieve.avro.ScoredImage;
import dev.sieve.fetch.FileRoot;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.sort.ScoredImages;
import dev.sieve.sort.TagRules;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetExportTest {
    private static final Path REPO = Path.of(System.getProperty("sieve.repo", "..")).toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void reportMatchesTheSeedCardsFigures() {
        // The seed card, CCAnime-ChromaticAberration v1.16: 3215 images; "00 - 2200" gets 27 bars and "01 - 1015" 12.
        Map<String, Long> folders = new LinkedHashMap<>();
        folders.put("0_reg", 395L);
        folders.put("0_reg_booru", 1805L);
        folders.put("1_chroma", 515L);
        folders.put("1_synthetic", 500L);
        assertThat(DatasetExport.report(folders)).isEqualTo("""
                Final dataset score distribution:
                3215 images in dataset.
                0_reg - 395 ||||
                0_reg_booru - 1805 ||||||||||||||||||||||
                1_chroma - 515 ||||||
                1_synthetic - 500 ||||||
                Class ratios:
                00 - 2200 |||||||||||||||||||||||||||
                01 - 1015 ||||||||||||
                """);
    }

    @Test
    void writesCity96sClassFoldersFromScoresAndCorrections() throws Exception {
        String scored = "images.scored.dataset-test";
        String corrections = "images.corrections.dataset-test";
        String samples = REPO.resolve("scripts/samples").toUri().toString();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            AvroSerde<ScoredImage> s = AvroSerde.of(ScoredImage.class);
            producer.send(new ProducerRecord<>(scored, "garden", s.encode(ScoredImages.of("garden", samples + "garden-640x480.jpg")
                    .revision("ds-Chroma-v1.2", "v1.2", "Pass", 0.9, "Chromatic Aberration", 0.1).score("ds-aesthetic", 0.4).build()))).get();
            producer.send(new ProducerRecord<>(scored, "street", s.encode(ScoredImages.of("street", samples + "street-900x760.webp")
                    .revision("ds-Chroma-v1.2", "v1.2", "Pass", 0.8, "Chromatic Aberration", 0.2).build()))).get();
            producer.send(new ProducerRecord<>(scored, "sketch", s.encode(ScoredImages.of("sketch", samples + "sketch-500x700-grey.png")
                    .revision("ds-Chroma-v1.2", "v1.2", "Pass", 0.7, "Chromatic Aberration", 0.3).build()))).get();
            AvroSerde<Correction> c = AvroSerde.of(Correction.class);
            // Made against the previous version of the head: still applies.
            producer.send(new ProducerRecord<>(corrections, "street", c.encode(new Correction("street", "ds-Chroma-v1.1", "v1.1", "Pass",
                    "Chromatic Aberration", "me", Instant.EPOCH)))).get();
            producer.send(new ProducerRecord<>(corrections, "sketch", c.encode(new Correction("sketch", "ds-Chroma-v1.2", "v1.2", "Pass",
                    null, "me", Instant.EPOCH)))).get();
        }
        Path out = tmp.resolve("dataset");
        DatasetExport.Result result = DatasetExport.run(ExportConfig.of(ExportConfig.SETTINGS.defaults().set(FileRoot.READ_ROOT, REPO.resolve("scripts/samples"))
                .set(ExportConfig.OUT, out), TagRules.defaults()).fromScored(scored, ExportConfig.defaults().rules()),
                corrections, KafkaSettings.of(SharedKafka.bootstrapServers()), new PrintStream(java.io.OutputStream.nullOutputStream()));

        Path head = out.resolve("ds-Chroma-v1.2");
        assertThat(files(head)).containsExactlyInAnyOrder("0_Pass/garden.jpg", "0_Pass/manifest.tsv",
                "1_Chromatic Aberration/street.webp", "1_Chromatic Aberration/manifest.tsv", "report.txt");
        assertThat(out.resolve("ds-aesthetic")).doesNotExist();
        assertThat(result.excluded()).isEqualTo(1);
        assertThat(result.corrected()).isEqualTo(1);
        assertThat(Files.readString(head.resolve("report.txt"))).isEqualTo("""
                Final dataset score distribution:
                2 images in dataset.
                0_Pass - 1 ||||||||||||||||||||
                1_Chromatic Aberration - 1 ||||||||||||||||||||
                Class ratios:
                00 - 1 ||||||||||||||||||||
                01 - 1 ||||||||||||||||||||
                """);
    }

    @Test
    void hostileIdsNeverForgeManifestRows() throws Exception {
        String scored = "images.scored.dataset-hostile-test";
        Path images = Files.createDirectories(tmp.resolve("images"));
        Files.writeString(images.resolve("a.png"), "a");
        Files.writeString(tmp.resolve("secret.png"), "outside the root");
        Files.createSymbolicLink(images.resolve("swapped.png"), tmp.resolve("secret.png"));
        String forged = "evil\tfile:///etc/passwd\nforged\tfile:///etc/shadow";
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            AvroSerde<ScoredImage> s = AvroSerde.of(ScoredImage.class);
            producer.send(new ProducerRecord<>(scored, forged, s.encode(ScoredImages.of(forged, images.resolve("a.png").toUri().toString())
                    .classifier("dsh-head", "Pass", 0.9, "Fail", 0.1).build()))).get();
            producer.send(new ProducerRecord<>(scored, "swapped", s.encode(ScoredImages.of("swapped", images.resolve("swapped.png").toUri().toString())
                    .classifier("dsh-head", "Pass", 0.8, "Fail", 0.2).build()))).get();
        }
        Path out = tmp.resolve("dataset");
        DatasetExport.Result result = DatasetExport.run(ExportConfig.of(ExportConfig.SETTINGS.defaults().set(FileRoot.READ_ROOT, images)
                .set(ExportConfig.COPY, ExportConfig.FileMode.COPY == ExportConfig.FileMode.COPY)
                .set(ExportConfig.OUT, out), TagRules.defaults()).fromScored(scored, ExportConfig.defaults().rules()),
                "images.corrections.dataset-hostile-test", KafkaSettings.of(SharedKafka.bootstrapServers()), new PrintStream(java.io.OutputStream.nullOutputStream()));

        java.util.List<String> rows = Files.readAllLines(out.resolve("dsh-head").resolve("0_Pass").resolve("manifest.tsv"));
        assertThat(rows).hasSize(3);
        assertThat(rows.subList(1, 3)).allSatisfy(row -> assertThat(row.split("\t", -1)).hasSize(2));
        assertThat(TsvFields.split(rows.get(1)).get(0)).isEqualTo(forged);
        // The file swapped for a link out of the root is not copied, and says why.
        assertThat(out.resolve("dsh-head").resolve("0_Pass").resolve("swapped.png")).doesNotExist();
        assertThat(result.problems()).singleElement().satisfies(problem -> assertThat(problem.code()).isEqualTo(dev.sieve.avro.FailureCode.OUTSIDE_ROOT));
        assertThat(result.images()).isEqualTo(1);
    }

    private static java.util.List<String> files(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(f -> !Files.isDirectory(f)).map(f -> root.relativize(f).toString()).toList();
        }
    }
}
