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
    void onePerGroupKeepsOneImagePerPlantedGroupAndHeadAndDropsNothingElse() throws Exception {
        String scored = "images.scored.dataset-groups-test";
        String corrections = "images.corrections.dataset-groups-test";
        Path images = Files.createDirectories(tmp.resolve("images"));
        // Four pictures with three copies each (re-encoded, resized, cropped), six pictures alone; classes mixed, so
        // copies of one picture sit in both class folders.
        Map<String, Long> hashes = new java.util.TreeMap<>();
        Map<String, String> uris = new java.util.TreeMap<>();
        java.util.List<java.util.List<String>> planted = new java.util.ArrayList<>();
        String[] kinds = {"1-orig", "2-jpeg", "3-resized", "4-cropped"};
        for (long seed = 101; seed <= 104; seed++) {
            java.util.List<String> group = new java.util.ArrayList<>();
            for (NearDuplicatePictures.Copy copy : NearDuplicatePictures.Copy.values()) {
                String id = "p" + seed + "-" + kinds[copy.ordinal()];
                Path file = NearDuplicatePictures.write(seed, copy, images.resolve(id + (copy == NearDuplicatePictures.Copy.JPEG_Q75 ? ".jpg" : ".png")));
                hashes.put(id, NearDuplicatePictures.hash(file));
                uris.put(id, file.toUri().toString());
                group.add(id);
            }
            planted.add(group);
        }
        for (long seed = 201; seed <= 206; seed++) {
            String id = "s" + seed;
            Path file = NearDuplicatePictures.write(seed, seed % 2 == 0 ? NearDuplicatePictures.Copy.ORIGINAL : NearDuplicatePictures.Copy.JPEG_Q75,
                    images.resolve(id + (seed % 2 == 0 ? ".png" : ".jpg")));
            hashes.put(id, NearDuplicatePictures.hash(file));
            uris.put(id, file.toUri().toString());
        }
        java.util.List<dev.sieve.sort.NearDuplicates.Hashed> hashed = new java.util.ArrayList<>();
        hashes.forEach((id, h) -> hashed.add(new dev.sieve.sort.NearDuplicates.Hashed(id, h)));
        assertThat(dev.sieve.sort.NearDuplicates.group(hashed, 10).groups()).as("the generated copies are the planted groups, nothing more")
                .isEqualTo(planted);

        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            AvroSerde<ScoredImage> s = AvroSerde.of(ScoredImage.class);
            int n = 0;
            for (String id : hashes.keySet()) {
                double pass = n++ % 2 == 0 ? 0.8 : 0.3;
                ScoredImage image = ScoredImages.of(id, uris.get(id)).classifier("dsg-head", "Pass", pass, "Fail", 1 - pass)
                        .classifier("dsg-other", "Pass", 0.9, "Fail", 0.1).build();
                image.setPerceptualHash(hashes.get(id));
                producer.send(new ProducerRecord<>(scored, id, s.encode(image))).get();
            }
            // Rescored from embeddings later: no hash in the newer record; the worker's still groups it.
            producer.send(new ProducerRecord<>(scored, "p102-3-resized", s.encode(ScoredImages.of("p102-3-resized", uris.get("p102-3-resized"))
                    .classifier("dsg-head", "Pass", 0.8, "Fail", 0.2).classifier("dsg-other", "Pass", 0.9, "Fail", 0.1).build()))).get();
            // The reviewer excluded the first picture's original from one head: that head keeps the next of its group.
            producer.send(new ProducerRecord<>(corrections, "p101-1-orig", AvroSerde.of(Correction.class).encode(
                    new Correction("p101-1-orig", "dsg-head", "", "Pass", null, "me", Instant.EPOCH)))).get();
        }

        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        Path out = tmp.resolve("one-per-group");
        DatasetExport.Result result = DatasetExport.run(ExportConfig.of(ExportConfig.SETTINGS.defaults().set(FileRoot.READ_ROOT, images)
                .set(ExportConfig.OUT, out).set(ExportConfig.ONE_PER_GROUP, true), TagRules.defaults()).fromScored(scored, ExportConfig.defaults().rules()),
                corrections, KafkaSettings.of(SharedKafka.bootstrapServers()), new PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8));

        java.util.List<String> keptByHead = images(out.resolve("dsg-head"));
        assertThat(keptByHead).containsExactlyInAnyOrder("p101-2-jpeg", "p102-1-orig", "p103-1-orig", "p104-1-orig",
                "s201", "s202", "s203", "s204", "s205", "s206");
        assertThat(images(out.resolve("dsg-other"))).containsExactlyInAnyOrder("p101-1-orig", "p102-1-orig", "p103-1-orig", "p104-1-orig",
                "s201", "s202", "s203", "s204", "s205", "s206");
        assertThat(result.images()).isEqualTo(20);
        assertThat(result.nearDuplicates()).as("dsg-head: 15 classed, 4 kept; dsg-other: 16 classed, 4 kept").isEqualTo(11 + 12);
        assertThat(result.excluded()).isEqualTo(1);
        assertThat(log.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("20 images placed").contains("23 dropped as near-duplicates");

        // Without the flag every image is placed: the 23 above were the copies and nothing else.
        Path all = tmp.resolve("all");
        DatasetExport.Result everything = DatasetExport.run(ExportConfig.of(ExportConfig.SETTINGS.defaults().set(FileRoot.READ_ROOT, images)
                .set(ExportConfig.OUT, all), TagRules.defaults()).fromScored(scored, ExportConfig.defaults().rules()),
                corrections, KafkaSettings.of(SharedKafka.bootstrapServers()), new PrintStream(java.io.OutputStream.nullOutputStream()));
        assertThat(everything.images()).isEqualTo(result.images() + result.nearDuplicates());
        assertThat(everything.nearDuplicates()).isZero();
    }

    /** The ids of the image files under a head's class folders. */
    private static java.util.List<String> images(Path head) throws Exception {
        return files(head).stream().filter(f -> f.contains("/") && !f.endsWith("manifest.tsv"))
                .map(f -> f.substring(f.indexOf('/') + 1, f.lastIndexOf('.'))).toList();
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
