package dev.sieve.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.avro.FailureCode;
import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.Stage;
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

/** Hostile file: URIs and ids against a real broker (heads prefixed {@code efr-}). */
class ExportFileRootTest {
    private static final AvroSerde<ScoredImage> SERDE = AvroSerde.of(ScoredImage.class);
    /** Sorts before {@link #HEAD}: its buckets are written first. */
    private static final String FILES = "efr-files";
    private static final String HEAD = "efr-head";
    private static final String LONG_ID = "L".repeat(300);

    @TempDir
    static Path tmp;
    static Path root;

    @BeforeAll
    static void produce() throws Exception {
        root = Files.createDirectories(tmp.resolve("root"));
        Path outside = Files.createDirectories(tmp.resolve("outside/d"));
        Files.writeString(root.resolve("x.png"), "inside x");
        Files.writeString(root.resolve("z.png"), "inside z");
        Files.writeString(tmp.resolve("outside/x.png"), "outside x");
        Files.writeString(tmp.resolve("outside/secret.png"), "outside secret");
        // dirlink/.. is root to the worker (normalised text), but outside/ to the kernel.
        Files.createSymbolicLink(root.resolve("dirlink"), outside);
        // Scored as a file inside the root, then swapped for a link out of it.
        Files.createSymbolicLink(root.resolve("y.png"), tmp.resolve("outside/secret.png"));
        String a = BucketNames.topic(HEAD, "A");
        String b = BucketNames.topic(HEAD, "B");
        String files = BucketNames.topic(FILES, "A");
        SharedKafka.broker().createTopics(1, a, b, files);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedKafka.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            send(producer, files, "dotdot", "file://" + root + "/dirlink/../x.png");
            send(producer, files, "swapped", root.resolve("y.png").toUri().toString());
            send(producer, a, LONG_ID, root.resolve("z.png").toUri().toString());
            send(producer, b, "later", root.resolve("z.png").toUri().toString());
            producer.flush();
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, String id, String uri) throws Exception {
        ScoredImage image = ScoredImages.of(id, uri).classifier(HEAD, "A", 0.75, "B", 0.25).build();
        producer.send(new ProducerRecord<>(topic, id, SERDE.encode(image))).get();
    }

    private static ExportResult export(Path out, ExportConfig.FileMode mode) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        return Exporter.run(ExportConfig.of(ExportConfig.SETTINGS.defaults().set(FileRoot.READ_ROOT, root)
                .set(ExportConfig.OUT, out)
                .set(ExportConfig.COPY, mode == ExportConfig.FileMode.COPY)
                .set(ExportConfig.BUCKETS, Pattern.compile(Pattern.quote(BucketNames.PREFIX) + "efr-.*").pattern()), TagRules.defaults()),
                KafkaSettings.of(SharedKafka.bootstrapServers()), Optional.empty(), new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @Test
    void copiesTheFileTheWorkerScoredNotWhereTheKernelWouldGo(@TempDir Path out) throws Exception {
        export(out, ExportConfig.FileMode.COPY);
        assertThat(Files.readString(out.resolve(FILES).resolve("A").resolve("dotdot.png"))).isEqualTo("inside x");
    }

    @Test
    void neverCopiesAFileSwappedForALinkOutOfTheRoot(@TempDir Path out) throws Exception {
        ExportResult result = export(out, ExportConfig.FileMode.COPY);
        assertThat(out.resolve(FILES).resolve("A").resolve("swapped.png")).doesNotExist();
        assertThat(result.refused()).isEqualTo(1);
        assertThat(result.problems()).singleElement().satisfies(p -> {
            assertThat(p.id()).isEqualTo("swapped");
            assertThat(p.stage()).isEqualTo(Stage.FETCH);
            assertThat(p.code()).isEqualTo(FailureCode.OUTSIDE_ROOT);
        });
        assertThat(Files.readString(out.resolve("problems.tsv"))).contains("swapped\t", "OUTSIDE_ROOT");
    }

    @Test
    void withoutAFileRootNoFileIsReadAndEachIsReported(@TempDir Path out) throws Exception {
        ExportResult result = Exporter.run(ExportConfig.of(ExportConfig.SETTINGS.defaults().set(ExportConfig.OUT, out)
                .set(ExportConfig.COPY, ExportConfig.FileMode.COPY == ExportConfig.FileMode.COPY)
                .set(ExportConfig.BUCKETS, Pattern.compile(Pattern.quote(BucketNames.PREFIX) + "efr-.*").pattern()), TagRules.defaults()),
                KafkaSettings.of(SharedKafka.bootstrapServers()), Optional.empty(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(result.linked()).isZero();
        assertThat(result.refused()).isEqualTo(4);
        assertThat(result.problems()).extracting(ExportProblem::code).containsOnly(FailureCode.OUTSIDE_ROOT);
    }

    @Test
    void linksPointInsideTheRoot(@TempDir Path out) throws Exception {
        export(out, ExportConfig.FileMode.SYMLINK);
        Path link = out.resolve(FILES).resolve("A").resolve("dotdot.png");
        assertThat(Files.readString(link)).isEqualTo("inside x");
        assertThat(out.resolve(FILES).resolve("A").resolve("swapped.png")).doesNotExist();
    }

    @Test
    void aLongIdNeitherAbortsTheExportNorStopsLaterBuckets(@TempDir Path out) throws Exception {
        ExportResult result = export(out, ExportConfig.FileMode.COPY);
        assertThat(Files.readString(out.resolve(HEAD).resolve("B").resolve("later.png"))).isEqualTo("inside z");
        assertThat(out.resolve("report.txt")).exists();
        // The long id is placed too, under a bounded name: a readable prefix and a digest of the whole id.
        try (var names = Files.list(out.resolve(HEAD).resolve("A"))) {
            assertThat(names.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("LLL")).toList()).singleElement()
                    .satisfies(n -> {
                        assertThat(n.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(255);
                        assertThat(n).endsWith(".png").contains("%~");
                        assertThat(Files.readString(out.resolve(HEAD).resolve("A").resolve(n))).isEqualTo("inside z");
                    });
        }
        assertThat(result.failed()).isZero();
    }

    @Test
    void anEntryThatCannotBeWrittenIsCountedAndTheExportGoesOn(@TempDir Path out) throws Exception {
        // Something in the way that cannot be replaced: a non-empty folder where dotdot.png should go.
        Files.createDirectories(out.resolve(FILES).resolve("A").resolve("dotdot.png").resolve("inside"));
        ExportResult result = export(out, ExportConfig.FileMode.COPY);
        assertThat(result.failed()).isEqualTo(1);
        assertThat(result.problems()).filteredOn(p -> p.id().equals("dotdot")).singleElement()
                .satisfies(p -> assertThat(p.stage()).isEqualTo(Stage.EMIT));
        assertThat(Files.readString(out.resolve(HEAD).resolve("B").resolve("later.png"))).isEqualTo("inside z");
    }
}
