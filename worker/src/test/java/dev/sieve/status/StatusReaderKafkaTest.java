package dev.sieve.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.StageException;
import dev.sieve.avro.FailedImage;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.Stage;
import dev.sieve.cli.Sieve;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.work.Outcomes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `sieve status` on a real broker, on topics whose offsets, commits and failures the test wrote itself. */
class StatusReaderKafkaTest {
    static final String IN = "status.in", FAILED = "status.failed", GROUP = "status-workers", PREFIX = "status.bucket.";
    static final AvroSerde<FailedImage> FAILED_SERDE = AvroSerde.of(FailedImage.class);
    static String bootstrap;

    @BeforeAll
    static void topics() {
        bootstrap = SharedKafka.bootstrapServers();
        SharedKafka.broker().createTopics(3, IN);
        SharedKafka.broker().createTopics(1, FAILED, PREFIX + "a.x");
        SharedKafka.broker().createTopics(2, PREFIX + "b.y");
        try (KafkaProducer<String, byte[]> p = producer()) {
            for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>(IN, 0, "p0-" + i, new byte[] {1}));
            for (int i = 0; i < 5; i++) p.send(new ProducerRecord<>(IN, 1, "p1-" + i, new byte[] {1}));
            p.send(new ProducerRecord<>(FAILED, "f1", failed(Stage.FETCH, FailureCode.NOT_FOUND)));
            p.send(new ProducerRecord<>(FAILED, "f2", failed(Stage.FETCH, FailureCode.NOT_FOUND)));
            p.send(new ProducerRecord<>(FAILED, "f3", failed(Stage.DECODE, FailureCode.NOT_AN_IMAGE)));
            p.send(new ProducerRecord<>(FAILED, "junk", new byte[] {9, 9, 9}));
            for (int i = 0; i < 2; i++) p.send(new ProducerRecord<>(PREFIX + "a.x", "x" + i, new byte[] {1}));
            for (int i = 0; i < 3; i++) p.send(new ProducerRecord<>(PREFIX + "b.y", "y" + i, new byte[] {1}));
        }
        commit(Map.of(0, 4L));
    }

    static StatusConfig config(Duration window) {
        return new StatusConfig(GROUP, IN, FAILED, PREFIX, window, 100);
    }

    @Test
    void reportsLagPerPartitionThroughputFailureCodesAndBucketSizes() {
        try (StatusReader reader = new StatusReader(KafkaSettings.of(bootstrap), config(Duration.ZERO))) {
            GroupOffsets first = reader.offsets();
            // Between the snapshots: 8 records committed (3 on p0, 5 on p1), 2 new references arrive on p2.
            commit(Map.of(0, 7L, 1, 5L));
            try (KafkaProducer<String, byte[]> p = producer()) {
                for (int i = 0; i < 2; i++) p.send(new ProducerRecord<>(IN, 2, "p2-" + i, new byte[] {1}));
            }
            GroupOffsets second = reader.offsets();
            ClusterStatus s = reader.status(first, second);

            assertThat(s.partitions()).containsExactly(
                    new ClusterStatus.PartitionLag(0, 7, 10, 3, "-"),
                    new ClusterStatus.PartitionLag(1, 5, 5, 0, "-"),
                    new ClusterStatus.PartitionLag(2, -1, 2, 2, "-"));
            assertThat(s.totalLag()).isEqualTo(5);
            assertThat(s.throughput().consumed()).isEqualTo(8);
            assertThat(s.throughput().produced()).isEqualTo(2);
            assertThat(s.failures().total()).isEqualTo(4);
            assertThat(s.failures().byCode()).containsExactlyEntriesOf(new java.util.TreeMap<>(Map.of(
                    "decode/NOT_AN_IMAGE", 1L, "fetch/NOT_FOUND", 2L, "unreadable", 1L)));
            assertThat(s.buckets()).containsExactlyEntriesOf(new java.util.TreeMap<>(Map.of(PREFIX + "a.x", 2L, PREFIX + "b.y", 3L)));
        }
    }

    @Test
    void commandPrintsTheTables() {
        StringWriter out = new StringWriter();
        int rc = new CommandLine(new Sieve()).setOut(new PrintWriter(out, true)).execute("status", "-b", bootstrap,
                "--group", "status-cli", "--input-topic", IN, "--failed-topic", FAILED, "--bucket-prefix", PREFIX, "--window-s", "0");
        assertThat(rc).isZero();
        assertThat(out.toString())
                .contains("group status-cli: 0 members")
                .containsPattern("(?m)^\\s+1\\s+-\\s+5\\s+5\\s+-$")
                .containsPattern("fetch/NOT_FOUND\\s+2")
                .containsPattern(PREFIX.replace(".", "\\.") + "b\\.y\\s+3");
    }

    @Test
    void aGroupThatNeverCommittedLagsByTheWholeTopic() {
        try (StatusReader reader = new StatusReader(KafkaSettings.of(bootstrap), new StatusConfig("status-nobody", IN, FAILED, PREFIX, Duration.ZERO, 0))) {
            ClusterStatus s = reader.status(reader.offsets(), reader.offsets());
            assertThat(s.members()).isZero();
            assertThat(s.partitions()).extracting(ClusterStatus.PartitionLag::committed).containsOnly(-1L);
            assertThat(s.totalLag()).isEqualTo(s.partitions().stream().mapToLong(ClusterStatus.PartitionLag::end).sum());
            assertThat(s.failures().sampled()).isZero();
        }
    }

    @Test
    void countsCodesOverOnlyTheNewestFailuresOfEachPartition() {
        // FAILED has one partition, written f1, f2 (NOT_FOUND), f3 (NOT_AN_IMAGE), junk: the newest two are f3 and junk.
        try (StatusReader reader = new StatusReader(KafkaSettings.of(bootstrap), new StatusConfig("status-tail", IN, FAILED, PREFIX, Duration.ZERO, 2))) {
            ClusterStatus.Failures f = reader.failures();
            assertThat(f.total()).isEqualTo(4);
            assertThat(f.sampled()).isEqualTo(2);
            assertThat(f.byCode()).containsExactlyEntriesOf(new java.util.TreeMap<>(Map.of(
                    "decode/NOT_AN_IMAGE", 1L, "unreadable", 1L)));
        }
    }

    static byte[] failed(Stage stage, FailureCode code) {
        ImageRef ref = ImageRef.newBuilder().setId("x").setUri("file:///x").setSource("t").setAttributes(Map.of())
                .setProducedAt(Instant.now()).build();
        return FAILED_SERDE.encode(Outcomes.failed(ref, new StageException(stage, code, "test"), "w"));
    }

    static void commit(Map<Integer, Long> offsets) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            Map<TopicPartition, OffsetAndMetadata> m = new HashMap<>();
            offsets.forEach((part, off) -> m.put(new TopicPartition(IN, part), new OffsetAndMetadata(off)));
            c.assign(List.copyOf(m.keySet()));
            c.commitSync(m);
        }
    }

    static KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }
}
