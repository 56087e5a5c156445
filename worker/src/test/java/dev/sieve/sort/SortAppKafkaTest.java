package dev.sieve.sort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.Tag;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real sorter against a real broker: bucket topics are created on the fly and hold the right ids. */
class SortAppKafkaTest {
    private static final AvroSerde<ScoredImage> SERDE = AvroSerde.of(ScoredImage.class);

    @TempDir
    Path stateDir;

    @Test
    void sortsScoredImagesIntoBucketTopicsItCreates() throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String input = "images.scored.sort-app-test";
        SharedKafka.broker().createTopics(2, input);
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            producer.send(new ProducerRecord<>(input, "a", SERDE.encode(ScoredImages.of("a", "file:/a.png")
                    .classifier("sat-chroma", "Pass", 0.2, "Chromatic Aberration", 0.8)
                    .classifier("sat-compression", "Pass", 0.1, "JPEG", 0.6, "WEBP", 0.3).build())));
            producer.send(new ProducerRecord<>(input, "b", SERDE.encode(ScoredImages.of("b", "file:/b.png")
                    .classifier("sat-chroma", "Pass", 0.9, "Chromatic Aberration", 0.1)
                    .classifier("sat-compression", "Pass", 0.7, "JPEG", 0.2, "WEBP", 0.1).build())));
            producer.send(new ProducerRecord<>(input, "junk", new byte[] {0, 1, 2}));
            producer.send(new ProducerRecord<>(input, "c", SERDE.encode(ScoredImages.of("c", "file:/c.png")
                    .classifier("sat-chroma", "Pass", 0.6, "Chromatic Aberration", 0.4)
                    .classifier("sat-compression", "Pass", 0.2, "JPEG", 0.5, "WEBP", 0.5).build())));
            producer.send(new ProducerRecord<>(input, "d", SERDE.encode(ScoredImages.of("d", "file:/d.png").score("sat-aesthetic", 0.9).build())));
        }
        SortConfig config = new SortConfig(input, input + ".corrections", "sort-app-test", TagRules.parse(List.of("sat-compression:JPEG=0.5", "sat-compression:WEBP=0.5"), List.of()),
                SortConfig.Guarantee.EXACTLY_ONCE_V2, 1, (short) 1, 1, java.util.Optional.of(stateDir));

        Map<String, Set<String>> idsByTopic = new ConcurrentHashMap<>();
        try (SortApp app = SortApp.start(config, KafkaSettings.of(bootstrap))) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(app.counts().images()).isEqualTo(4));
            String jpeg = BucketNames.topic("sat-compression", "JPEG");
            List<String> expected = List.of(BucketNames.topic("sat-chroma", "Chromatic Aberration"), BucketNames.topic("sat-chroma", "Pass"),
                    jpeg, BucketNames.topic("sat-compression", "WEBP"));
            List<ConsumerRecord<String, ScoredImage>> records = new ArrayList<>();
            try (KafkaConsumer<String, ScoredImage> consumer = consumer(bootstrap)) {
                consumer.subscribe(expected);
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    for (ConsumerRecord<String, ScoredImage> r : consumer.poll(Duration.ofMillis(200))) {
                        records.add(r);
                        idsByTopic.computeIfAbsent(r.topic(), t -> ConcurrentHashMap.newKeySet()).add(r.key());
                    }
                    assertThat(idsByTopic).containsOnly(
                            Map.entry(expected.get(0), Set.of("a")),
                            Map.entry(expected.get(1), Set.of("b", "c")),
                            Map.entry(jpeg, Set.of("a", "c")),
                            Map.entry(expected.get(3), Set.of("c")));
                });
            }
            assertThat(records).hasSize(6);
            ScoredImage c = records.stream().filter(r -> r.topic().equals(jpeg) && r.key().equals("c")).findFirst().orElseThrow().value();
            assertThat(c.getTags()).containsExactly(new Tag("sat-chroma", "Pass"), new Tag("sat-compression", "JPEG"), new Tag("sat-compression", "WEBP"));
            assertThat(app.counts()).isEqualTo(new SortCounts(4, 1, 6, 0, 1));
            assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
        }
    }

    @Test
    void refusesABucketWhoseTopicKafkaWouldConfuseWithAnother() {
        try (AdminBucketTopics topics = new AdminBucketTopics(KafkaSettings.of(SharedKafka.bootstrapServers()), 1, (short) 1)) {
            Bucket first = new Bucket("X", "2E ");
            Bucket second = new Bucket("X.", "20");
            topics.ensure(first, first.topic());
            assertThatThrownBy(() -> topics.ensure(second, second.topic()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(second.topic()).hasMessageContaining(first.topic()).hasMessageContaining("'.' and '_'");
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", SharedKafka.bootstrapServers()))) {
            assertThat(admin.listTopics().names()).succeedsWithin(Duration.ofSeconds(10))
                    .satisfies(names -> assertThat(names).contains(new Bucket("X", "2E ").topic()).doesNotContain(new Bucket("X.", "20").topic()));
        }
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<String, ScoredImage> consumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "sort-app-test-reader",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), SERDE.deserializer());
    }
}
