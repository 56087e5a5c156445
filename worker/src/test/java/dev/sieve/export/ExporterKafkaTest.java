package dev.sieve.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.avro.ScoredImage;
import dev.sieve.fetch.FileRoot;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.sort.BucketNames;
import dev.sieve.sort.ScoredImages;
import dev.sieve.sort.TagRules;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exports from a real broker into a temp folder. Heads are prefixed {@code exp-} so other tests' buckets stay out. */
class ExporterKafkaTest {
    private static final AvroSerde<ScoredImage> SERDE = AvroSerde.of(ScoredImage.class);
    private static final String CHROMA = "exp-chroma-v1.16";
    private static final String COMPRESSION = "exp-compression";
    private static final String SCORED = "images.scored.exporter-test";
    private static final Pattern OUR_BUCKETS = Pattern.compile(Pattern.quote(BucketNames.PREFIX) + "exp-.*");

    @TempDir
    static Path images;

    @BeforeAll
    static void produce() throws Exception {
        Files.writeString(images.resolve("a.png"), "image a");
        Files.writeString(images.resolve("b.jpg"), "image b");
        String a = images.resolve("a.png").toUri().toString();
        String b = images.resolve("b.jpg").toUri().toString();
        String gone = images.resolve("gone.png").toUri().toString();
        ScoredImage imageA = ScoredImages.of("a", a).classifier(CHROMA, "Pass", 0.75, "Chromatic Aberration", 0.25)
                .classifier(COMPRESSION, "Pass", 0.25, "JPEG", 0.5, "WEBP", 0.25).build();
        ScoredImage imageB = ScoredImages.of("b", b).classifier(CHROMA, "Pass", 0.625, "Chromatic Aberration", 0.375)
                .classifier(COMPRESSION, "Pass", 0.5, "JPEG", 0.25, "WEBP", 0.25).build();
        ScoredImage imageC = ScoredImages.of("c/1", "https://example.org/pics/c.webp?x=1")
                .classifier(CHROMA, "Pass", 0.125, "Chromatic Aberration", 0.875)
                .classifier(COMPRESSION, "Pass", 0.125, "JPEG", 0.75, "WEBP", 0.125).build();
        ScoredImage imageGone = ScoredImages.of("gone", gone).classifier(CHROMA, "Pass", 0.5, "Chromatic Aberration", 0.25).build();
        // c/1 is a near-duplicate of a (8 bits apart), b another picture; gone has no hash (an older worker's record).
        imageA.setPerceptualHash(0x0f0f_0f0f_0f0f_0f0fL);
        imageC.setPerceptualHash(0x0f0f_0f0f_0f0f_0f0fL ^ 0xffL);
        imageB.setPerceptualHash(0xf0f0_f0f0_f0f0_f0f0L);
        String chromaPass = BucketNames.topic(CHROMA, "Pass");
        String chromaAberration = BucketNames.topic(CHROMA, "Chromatic Aberration");
        String jpeg = BucketNames.topic(COMPRESSION, "JPEG");
        SharedKafka.broker().createTopics(2, chromaPass, chromaAberration, jpeg, SCORED);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedKafka.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(chromaPass, "a", SERDE.encode(imageA)));
            producer.send(new ProducerRecord<>(chromaPass, "b", SERDE.encode(imageB)));
            producer.send(new ProducerRecord<>(chromaPass, "a", SERDE.encode(imageA))); // re-delivered
            producer.send(new ProducerRecord<>(chromaPass, "junk", new byte[] {9, 9, 9}));
            producer.send(new ProducerRecord<>(chromaPass, "gone", SERDE.encode(imageGone)));
            producer.send(new ProducerRecord<>(chromaAberration, "c/1", SERDE.encode(imageC)));
            producer.send(new ProducerRecord<>(jpeg, "a", SERDE.encode(imageA)));
            producer.send(new ProducerRecord<>(jpeg, "c/1", SERDE.encode(imageC)));
            for (ScoredImage image : List.of(imageA, imageB, imageC, imageA)) {
                producer.send(new ProducerRecord<>(SCORED, image.getRef().getId(), SERDE.encode(image)));
            }
        }
    }

    private static ExportResult export(ExportConfig config) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ExportResult result = Exporter.run(config, KafkaSettings.of(SharedKafka.bootstrapServers()), Optional.empty(), new PrintStream(log, true, StandardCharsets.UTF_8));
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("images in dataset.");
        return result;
    }

    @Test
    void linksEachFileImageIntoEveryBucketOnceAndListsTheRest(@TempDir Path out) throws Exception {
        ExportResult result = export(ExportConfig.of(ExportConfig.SETTINGS.defaults().set(FileRoot.READ_ROOT, images)
                .set(ExportConfig.OUT, out)
                .set(ExportConfig.BUCKETS, OUR_BUCKETS.pattern()), TagRules.defaults()));

        Path pass = out.resolve(CHROMA).resolve("Pass");
        assertThat(Files.readSymbolicLink(pass.resolve("a.png"))).isEqualTo(images.resolve("a.png").toRealPath());
        assertThat(Files.readString(pass.resolve("b.jpg"))).isEqualTo("image b");
        assertThat(pass.resolve("gone.png")).doesNotExist();
        try (var files = Files.list(pass)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("a.png", "b.jpg", "manifest.tsv");
        }
        assertThat(Files.readAllLines(pass.resolve("manifest.tsv"))).containsExactly(
                "id\turi\tprobability\tnear_duplicate_group",
                "a\t" + images.resolve("a.png").toUri() + "\t0.75\ta",
                "b\t" + images.resolve("b.jpg").toUri() + "\t0.625\tb",
                "gone\t" + images.resolve("gone.png").toUri() + "\t0.5\tgone");
        Path aberration = out.resolve(CHROMA).resolve("Chromatic Aberration");
        assertThat(Files.readAllLines(aberration.resolve("manifest.tsv")))
                .as("the group is named after its smallest id, in every bucket")
                .containsExactly("id\turi\tprobability\tnear_duplicate_group", "c/1\thttps://example.org/pics/c.webp?x=1\t0.875\ta");
        assertThat(aberration.resolve("c%2F1.webp")).doesNotExist();
        Path jpeg = out.resolve(COMPRESSION).resolve("JPEG");
        assertThat(Files.readAllLines(jpeg.resolve("manifest.tsv"))).extracting(line -> line.substring(line.lastIndexOf('\t') + 1))
                .containsExactly("near_duplicate_group", "a", "a");
        assertThat(Files.readSymbolicLink(jpeg.resolve("a.png"))).isEqualTo(images.resolve("a.png").toRealPath());

        assertThat(result.recordsRead()).isEqualTo(8);
        assertThat(result.duplicates()).isEqualTo(1);
        assertThat(result.undecodable()).isEqualTo(1);
        assertThat(result.linked()).isEqualTo(3);
        assertThat(result.listedOnly()).isEqualTo(2);
        assertThat(result.missing()).isEqualTo(1);
        assertThat(result.problems()).singleElement().satisfies(p -> {
            assertThat(p.id()).isEqualTo("gone");
            assertThat(p.code()).isEqualTo(dev.sieve.avro.FailureCode.NOT_FOUND);
        });
        assertThat(Files.readAllLines(out.resolve("problems.tsv"))).hasSize(2).last().asString()
                .startsWith(CHROMA + "/Pass\tgone\t" + images.resolve("gone.png").toUri() + "\tFETCH\tNOT_FOUND\t");
        assertThat(result.report().totalImages()).isEqualTo(4);
        assertThat(result.report().buckets()).extracting(DistributionReport.BucketCount::label, DistributionReport.BucketCount::count)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("Chromatic Aberration", 1L), org.assertj.core.groups.Tuple.tuple("Pass", 3L),
                        org.assertj.core.groups.Tuple.tuple("JPEG", 2L));
        assertThat(Files.readString(out.resolve("report.txt"))).isEqualTo(result.report().text()).contains("4 images in dataset.\n")
                .contains(CHROMA + "/Pass - 3 ||||||||||||||||||||||||||||||\n");
        assertThat(Files.readString(out.resolve("report.json"))).contains("\"total_images\": 4");
    }

    @Test
    void aRecordRescoredWithoutAHashKeepsTheGroupOfItsEarlierRecord(@TempDir Path out) throws Exception {
        String head = "exh-rescored";
        String bucket = BucketNames.topic(head, "Pass");
        SharedKafka.broker().createTopics(1, bucket);
        ScoredImage x = ScoredImages.of("x", "https://example.org/x.jpg").classifier(head, "Pass", 0.9, "Fail", 0.1).build();
        ScoredImage y = ScoredImages.of("y", "https://example.org/y.jpg").classifier(head, "Pass", 0.8, "Fail", 0.2).build();
        ScoredImage yRescored = ScoredImages.of("y", "https://example.org/y.jpg").classifier(head, "Pass", 0.7, "Fail", 0.3).build();
        x.setPerceptualHash(0x0f0f_0f0f_0f0f_0f0fL);
        y.setPerceptualHash(0x0f0f_0f0f_0f0f_0f0fL ^ 0x3L);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedKafka.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            for (ScoredImage image : List.of(x, y, yRescored)) producer.send(new ProducerRecord<>(bucket, image.getRef().getId(), SERDE.encode(image))).get();
        }
        Pattern ours = Pattern.compile(Pattern.quote(bucket));
        export(ExportConfig.of(ExportConfig.SETTINGS.defaults().set(ExportConfig.OUT, out).set(ExportConfig.BUCKETS, ours.pattern()),
                TagRules.defaults()));
        assertThat(Files.readAllLines(out.resolve(head).resolve("Pass").resolve("manifest.tsv"))).containsExactly(
                "id\turi\tprobability\tnear_duplicate_group", "x\thttps://example.org/x.jpg\t0.9\tx", "y\thttps://example.org/y.jpg\t0.7\tx");
        // The review page reads the same records the same way.
        assertThat(dev.sieve.review.BucketLoader.fromTopics(KafkaSettings.of(SharedKafka.bootstrapServers()), ours, java.time.Duration.ofSeconds(30),
                new PrintStream(java.io.OutputStream.nullOutputStream())).find(head, "Pass", "y").orElseThrow().perceptualHash())
                .isEqualTo(y.getPerceptualHash());
    }

    @Test
    void eachImageIsItsOwnGroupWhenGroupingIsOff(@TempDir Path out) throws Exception {
        export(ExportConfig.of(ExportConfig.SETTINGS.defaults().set(FileRoot.READ_ROOT, images)
                .set(ExportConfig.OUT, out).set(dev.sieve.sort.NearDuplicates.DISTANCE, 0)
                .set(ExportConfig.BUCKETS, OUR_BUCKETS.pattern()), TagRules.defaults()));
        assertThat(Files.readAllLines(out.resolve(COMPRESSION).resolve("JPEG").resolve("manifest.tsv")))
                .extracting(line -> line.substring(line.lastIndexOf('\t') + 1)).containsExactly("near_duplicate_group", "a", "c/1");
    }

    @Test
    void copiesInsteadOfLinkingWhenAsked(@TempDir Path out) throws Exception {
        export(ExportConfig.of(ExportConfig.SETTINGS.defaults().set(FileRoot.READ_ROOT, images)
                .set(ExportConfig.OUT, out)
                .set(ExportConfig.BUCKETS, OUR_BUCKETS.pattern())
                .set(ExportConfig.COPY, ExportConfig.FileMode.COPY == ExportConfig.FileMode.COPY), TagRules.defaults()));
        Path copy = out.resolve(CHROMA).resolve("Pass").resolve("a.png");
        assertThat(Files.isSymbolicLink(copy)).isFalse();
        assertThat(Files.readString(copy)).isEqualTo("image a");
    }

    @Test
    void tagsScoredImagesWithTheSortersRulesWhenReadingTheScoredTopic(@TempDir Path out) throws Exception {
        TagRules rules = TagRules.parse(List.of(COMPRESSION + ":JPEG=0.5", COMPRESSION + ":WEBP=0.25"), List.of());
        ExportResult result = export(ExportConfig.of(ExportConfig.SETTINGS.defaults().set(FileRoot.READ_ROOT, images)
                .set(ExportConfig.OUT, out), TagRules.defaults()).fromScored(SCORED, rules));

        assertThat(result.recordsRead()).isEqualTo(4);
        assertThat(result.duplicates()).isEqualTo(1);
        assertThat(result.report().totalImages()).isEqualTo(3);
        assertThat(result.report().buckets()).extracting(b -> b.head() + "/" + b.label() + "=" + b.count()).containsExactly(
                CHROMA + "/Chromatic Aberration=1", CHROMA + "/Pass=2", COMPRESSION + "/JPEG=2", COMPRESSION + "/WEBP=2");
        assertThat(Files.readSymbolicLink(out.resolve(COMPRESSION).resolve("WEBP").resolve("b.jpg")))
                .isEqualTo(images.resolve("b.jpg").toRealPath());
    }

    @Test
    void savesHttpImagesThroughTheFetchHookWhenOneIsGiven(@TempDir Path out) throws Exception {
        ExportResult result = Exporter.run(ExportConfig.of(ExportConfig.SETTINGS.defaults().set(FileRoot.READ_ROOT, images)
                .set(ExportConfig.OUT, out)
                .set(ExportConfig.BUCKETS, OUR_BUCKETS.pattern()), TagRules.defaults()), KafkaSettings.of(SharedKafka.bootstrapServers()),
                Optional.of((uri, target) -> Files.writeString(target, "fetched " + uri)), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(Files.readString(out.resolve(CHROMA).resolve("Chromatic Aberration").resolve("c%2F1.webp")))
                .isEqualTo("fetched https://example.org/pics/c.webp?x=1");
        assertThat(result.fetched()).isEqualTo(2);
        assertThat(result.listedOnly()).isZero();
    }
}
