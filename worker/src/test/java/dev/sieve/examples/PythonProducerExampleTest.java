package dev.sieve.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sieve.avro.Correction;
import dev.sieve.avro.FailedImage;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.ScoredImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.kafka.TopicReader;
import dev.sieve.sort.ScoredImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cross-language contract: examples/python writes ImageRef records with plain Avro from Python (none of sieve's
 * Java code writes those bytes), and sieve's own decoder must read every one; the Python reader must read what sieve
 * writes. Runs the scripts as child processes against the shared embedded broker.
 */
class PythonProducerExampleTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path EXAMPLES = Path.of("..", "examples", "python").toAbsolutePath().normalize();

    @BeforeAll
    static void pythonHasKafkaAndAvro() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "skipped: no /usr/bin/python3");
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import avro.schema, avro.io, confluent_kafka")
                .redirectErrorStream(true).start();
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0,
                "skipped: /usr/bin/python3 lacks avro or confluent_kafka"
                        + " (apt-get install python3-avro python3-confluent-kafka; .ci/run installs them)");
    }

    @Test
    void sieveDecodesEveryReferenceThePythonExampleProduces() throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String topic = "python-example-refs";
        createTopic(bootstrap, topic);
        List<String> uris = List.of("https://example.org/a.jpg", "https://example.org/b%20c.png", "file:///data/über.webp");

        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), EXAMPLES.resolve("produce_refs.py").toString(),
                "--bootstrap-servers", bootstrap, "--topic", topic, "--source", "contract-test"));
        command.addAll(uris);
        run(command);

        List<ConsumerRecord<String, byte[]>> records = TopicReader.readCommitted(bootstrap, topic, Duration.ofSeconds(60));
        AvroSerde<ImageRef> serde = AvroSerde.of(ImageRef.class);
        List<ImageRef> refs = records.stream().map(r -> serde.decode(r.value())).toList();

        assertThat(refs).extracting(r -> r.getUri().toString()).containsExactlyElementsOf(uris);
        for (int i = 0; i < refs.size(); i++) {
            ImageRef ref = refs.get(i);
            // The script's id rule (first 32 hex digits of the URI's SHA-256), recomputed here independently.
            assertThat(ref.getId().toString()).isEqualTo(sha256Prefix(uris.get(i)));
            assertThat(records.get(i).key()).isEqualTo(ref.getId().toString());
            assertThat(ref.getSource().toString()).isEqualTo("contract-test");
            assertThat(ref.getAttributes()).containsExactly(Map.entry("producer", "examples/python"));
            assertThat(ref.getProducedAt()).isAfter(Instant.parse("2020-01-01T00:00:00Z"));
        }
    }

    @Test
    void pythonReaderPrintsTheScoredImagesSieveWrites() throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String topic = "python-example-scored";
        createTopic(bootstrap, topic);
        ScoredImage image = ScoredImages.of("img-1", "https://example.org/x.png")
                .classifier("CCAnime-Style", "flat", 0.25, "painterly", 0.75).score("Aesthetic", 0.5).build();
        try (KafkaProducer<String, ScoredImage> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), AvroSerde.of(ScoredImage.class).serializer())) {
            producer.send(new ProducerRecord<>(topic, "img-1", image)).get(30, TimeUnit.SECONDS);
        }

        String out = run(List.of(PYTHON.toString(), EXAMPLES.resolve("print_scored.py").toString(),
                "--bootstrap-servers", bootstrap, "--topic", topic, "--idle-s", "10"));

        assertThat(out).contains("img-1 https://example.org/x.png 10x10 CCAnime-Style=painterly:0.750 Aesthetic=score:0.500")
                .contains("1 scored images");
    }

    /** The Python fingerprints (CRC-64-AVRO of the canonical form) match Avro for Java's for every sieve schema. */
    @Test
    void pythonFingerprintsMatchAvroForJava() throws Exception {
        String out = run(List.of(PYTHON.toString(), "-c",
                "import sys; sys.path.insert(0, sys.argv[1]); import single_object as so;"
                        + " [print(n, so.SingleObjectCodec(n).fingerprint.hex()) for n in sys.argv[2:]]",
                EXAMPLES.toString(), "ImageRef", "ScoredImage", "FailedImage", "Correction"));

        assertThat(out.lines().toList()).containsExactly(
                "ImageRef " + littleEndianFingerprint(ImageRef.getClassSchema()),
                "ScoredImage " + littleEndianFingerprint(ScoredImage.getClassSchema()),
                "FailedImage " + littleEndianFingerprint(FailedImage.getClassSchema()),
                "Correction " + littleEndianFingerprint(Correction.getClassSchema()));
    }

    private static String littleEndianFingerprint(Schema schema) {
        long fp = SchemaNormalization.parsingFingerprint64(schema);
        byte[] le = new byte[8];
        for (int i = 0; i < 8; i++) le[i] = (byte) (fp >>> (8 * i));
        return HexFormat.of().formatHex(le);
    }

    private static void createTopic(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** Runs a child process to its end (bounded) and returns its output; a non-zero exit fails with that output. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("python-example", ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean exited = p.waitFor(120, TimeUnit.SECONDS);
            if (!exited) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            String out = Files.readString(log);
            assertThat(exited).as("%s finished within 120 s; output:%n%s", command, out).isTrue();
            assertThat(p.exitValue()).as("exit status of %s; output:%n%s", command, out).isZero();
            return out;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String sha256Prefix(String s) throws NoSuchAlgorithmException {
        byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(d).substring(0, 32);
    }
}
