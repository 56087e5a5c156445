package dev.sieve.produce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sieve.avro.ImageRef;
import dev.sieve.cli.ProduceCommand;
import dev.sieve.cli.Sieve;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.EmbeddedKafka;
import dev.sieve.kafka.KafkaSettings;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RefProducerTest {

    private static EmbeddedKafka kafka;
    private static final AtomicInteger topicNumber = new AtomicInteger();

    @TempDir
    Path tmp;
    private Path folder;
    private String topic;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start(0);
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @BeforeEach
    void layout() throws IOException {
        topic = "images.in.test" + topicNumber.incrementAndGet();
        kafka.createTopics(1, topic);
        folder = Files.createDirectories(tmp.resolve("shots"));
        Files.createDirectories(folder.resolve("2024/05"));
        Files.write(folder.resolve("top.jpg"), new byte[] {1});
        Files.write(folder.resolve("2024/a.png"), new byte[] {2});
        Files.write(folder.resolve("2024/05/b.webp"), new byte[] {3});
        Files.write(folder.resolve("2024/05/readme.txt"), new byte[] {4});
    }

    @Test
    void producesEveryFileOfAFolderKeyedByDerivedId() throws Exception {
        ProduceResult result = RefProducer.produce(config(Map.of("set", "v2"), null), RefSource.folder(folder, false));

        assertThat(result.sent()).isEqualTo(4);
        assertThat(result.ok()).isTrue();
        List<ConsumerRecord<String, ImageRef>> records = consume(4);
        List<Path> files = List.of(folder.resolve("2024/05/b.webp"), folder.resolve("2024/05/readme.txt"),
                folder.resolve("2024/a.png"), folder.resolve("top.jpg"));
        for (int i = 0; i < files.size(); i++) {
            String uri = files.get(i).toUri().toString();
            ConsumerRecord<String, ImageRef> r = records.get(i);
            assertThat(r.key()).isEqualTo(sha256Prefix(uri));
            assertThat(r.value().getId()).isEqualTo(r.key());
            assertThat(r.value().getUri()).isEqualTo(uri);
            assertThat(r.value().getSource()).isEqualTo("shots");
            assertThat(r.value().getAttributes()).containsExactlyEntriesOf(Map.of("set", "v2"));
            assertThat(r.value().getProducedAt().toEpochMilli()).isPositive();
        }
    }

    @Test
    void producesFromUriListWithGivenIdsAndCountsRejects() throws Exception {
        String list = "https://example.com/1.jpg\nmy-id\thttps://example.com/2.jpg\nhttp://bad host/3.jpg\n";

        ProduceResult result = RefProducer.produce(config(Map.of(), "crawler"),
                RefSource.uriList(new StringReader(list), "list"));

        assertThat(result.sent()).isEqualTo(2);
        assertThat(result.rejected()).isEqualTo(1);
        assertThat(result.ok()).isFalse();
        assertThat(result.problems()).singleElement().asString().startsWith("list:3:");
        List<ConsumerRecord<String, ImageRef>> records = consume(2);
        assertThat(records).extracting(ConsumerRecord::key)
                .containsExactly(sha256Prefix("https://example.com/1.jpg"), "my-id");
        assertThat(records).extracting(r -> r.value().getUri())
                .containsExactly("https://example.com/1.jpg", "https://example.com/2.jpg");
        assertThat(records).extracting(r -> r.value().getSource()).containsOnly("crawler");
    }

    @Test
    void givesTheSameIdsWhenRunTwice() throws Exception {
        RefProducer.produce(config(), RefSource.folder(folder, true));
        RefProducer.produce(config(), RefSource.arguments(List.of(folder.toString()), true));

        List<ConsumerRecord<String, ImageRef>> records = consume(6);
        List<String> first = records.subList(0, 3).stream().map(ConsumerRecord::key).toList();
        List<String> second = records.subList(3, 6).stream().map(ConsumerRecord::key).toList();
        assertThat(second).isEqualTo(first).doesNotHaveDuplicates();
    }

    @Test
    void produceCommandPublishesFolderAndReportsExitCode() throws Exception {
        int ok = Sieve.run("produce", "-b", kafka.bootstrapServers(), "--topic", topic, "--progress", "log",
                "--images-only", "--attr", "k=v", folder.toString(), "https://example.com/z.jpg");
        int withMissing = Sieve.run("produce", "-b", kafka.bootstrapServers(), "--topic", topic, "--progress", "none",
                tmp.resolve("missing").toString());
        int usage = Sieve.run("produce", "-b", kafka.bootstrapServers());

        assertThat(ok).isZero();
        assertThat(withMissing).isEqualTo(1);
        assertThat(usage).isEqualTo(2);
        List<ConsumerRecord<String, ImageRef>> records = consume(4);
        assertThat(records).extracting(r -> r.value().getUri()).containsExactly(
                folder.resolve("2024/05/b.webp").toUri().toString(), folder.resolve("2024/a.png").toUri().toString(),
                folder.resolve("top.jpg").toUri().toString(), "https://example.com/z.jpg");
        assertThat(records).extracting(r -> r.value().getSource()).containsExactly("shots", "shots", "shots", "cli");
        assertThat(records).allSatisfy(r -> assertThat(r.value().getAttributes()).containsEntry("k", "v"));
    }

    @Test
    void produceCommandFailsClearlyWithoutKafka() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        int rc = new CommandLine(new ProduceCommand()).execute(
                "-b", "127.0.0.1:" + port, "--kafka-timeout-ms", "1500", "--progress", "none", "https://example.com/a.jpg");

        assertThat(rc).isEqualTo(3);
    }

    private ProduceConfig config() {
        return config(Map.of(), null);
    }

    private ProduceConfig config(Map<String, String> attributes, String source) {
        return ProduceConfig.of(KafkaSettings.of(kafka.bootstrapServers()),
                ProduceConfig.SETTINGS.defaults().set(ProduceConfig.TOPIC, topic).set(ProduceConfig.SOURCE, source), attributes);
    }

    /** The id rule, written independently of RefIds: sha256 of the (already canonical) URI, 16 bytes, hex. */
    private static String sha256Prefix(String canonicalUri) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonicalUri.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest).substring(0, 32);
    }

    private List<ConsumerRecord<String, ImageRef>> consume(int expected) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, ImageRef>> records = new ArrayList<>();
        try (KafkaConsumer<String, ImageRef> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                AvroSerde.of(ImageRef.class).deserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= expected;
            });
            assertThat(consumer.poll(Duration.ofMillis(200))).as("no more records than expected").isEmpty();
        }
        return records;
    }
}
