package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.FailedImage;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.Stage;
import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.ImagePreparer;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.Scorer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * One images.in record whose output would not fit a Kafka write, beside good records on the same and on another
 * partition, with the real broker: the poison ends on images.failed, every good record is written once, every
 * partition drains. Before the fix the write failed, the transaction (all the worker's partitions) aborted and
 * replayed twice a second for ever; at least once, the good results were written again at each replay.
 */
class PoisonRecordsTest {
    private static final int GOOD_PER_PARTITION = 3;

    @Test
    void anOversizedUriAndAHugeKeyEndOnFailedAndEveryPartitionDrains() throws Exception {
        Run r = run("poison-eo", WorkerConfig.Delivery.EXACTLY_ONCE, Map.of());
        assertPoisonsFailedAndGoodScoredOnce(r);
    }

    @Test
    void atLeastOnceTheGoodResultsBesideAPoisonAreWrittenOnce() throws Exception {
        Run r = run("poison-alo", WorkerConfig.Delivery.AT_LEAST_ONCE, Map.of());
        assertPoisonsFailedAndGoodScoredOnce(r);
    }

    @Test
    void anOutputTheBrokerRefusesEndsAsATooLargeFailureNotTheTransaction() throws Exception {
        // Within every bound the worker keeps, but over what this images.failed topic accepts: only the broker can
        // refuse it, after the transaction has begun.
        Run r = run("poison-refused", WorkerConfig.Delivery.EXACTLY_ONCE, Map.of("max.message.bytes", "32768"));
        assertPoisonsFailedAndGoodScoredOnce(r);
        FailedImage refused = r.failures().get("big-attributes");
        assertThat(refused.getStage()).as(refused.getMessage()).isEqualTo(Stage.EMIT);
        assertThat(refused.getCode()).isEqualTo(FailureCode.TOO_LARGE);
        assertThat(refused.getRef().getUri()).endsWith("/no-such-file.png");
    }

    private record Run(Map<String, Integer> scoredWrites, Map<String, FailedImage> failures, Map<String, Integer> failedWrites,
                       Set<String> good, String hugeKey, long committed, long produced) {}

    private static void assertPoisonsFailedAndGoodScoredOnce(Run r) {
        assertThat(r.scoredWrites().keySet()).isEqualTo(r.good());
        assertThat(r.scoredWrites().values()).as("writes per good id").allMatch(n -> n == 1);
        assertThat(r.failedWrites().values()).as("writes per failed id").allMatch(n -> n == 1);
        FailedImage uri = r.failures().get("huge-uri");
        assertThat(uri).isNotNull();
        assertThat(uri.getStage()).isEqualTo(Stage.INPUT);
        assertThat(uri.getCode()).isEqualTo(FailureCode.BAD_REFERENCE);
        assertThat(uri.getMessage()).contains("uri is 614400 bytes");
        assertThat(uri.getRef().getUri()).startsWith("data:image/png;base64,AAAA").contains("truncated: 614400 bytes");
        FailedImage key = r.failures().entrySet().stream().filter(e -> e.getKey().startsWith("kkkk"))
                .map(Map.Entry::getValue).findFirst().orElseThrow(() -> new AssertionError(r.failures().keySet()));
        assertThat(key.getStage()).isEqualTo(Stage.INPUT);
        assertThat(key.getCode()).isEqualTo(FailureCode.BAD_REFERENCE);
        assertThat(key.getRef().getId()).contains("truncated: " + r.hugeKey().length() + " bytes");
        assertThat(r.committed()).as("committed offsets").isEqualTo(r.produced());
    }

    private Run run(String name, WorkerConfig.Delivery delivery, Map<String, String> failedTopicConfig) throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String in = name + ".in", scored = name + ".scored", failed = name + ".failed", group = name + "-workers";
        SharedKafka.broker().createTopics(2, in, scored);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(failed, 2, (short) 1).configs(failedTopicConfig))).all()
                    .get(30, TimeUnit.SECONDS);
        }
        Set<String> good = new TreeSet<>();
        String hugeKey = "k".repeat(700_000);
        long produced = 0;
        try (KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
            for (int partition = 0; partition < 2; partition++) {
                for (int i = 0; i < GOOD_PER_PARTITION; i++) {
                    String id = name + "-good-" + partition + "-" + i;
                    String uri = WorkerEndToEndTest.SAMPLES.resolve("garden-640x480.jpg").toUri().toString();
                    producer.send(new ProducerRecord<>(in, partition, id, WorkerEndToEndTest.REFS.encode(WorkerEndToEndTest.ref(id, uri))));
                    good.add(id);
                    produced++;
                    if (partition == 0 && i == 0) {
                        // Scrapers do emit huge data: URIs; the failure message repeats the URI.
                        ImageRef poison = WorkerEndToEndTest.ref("huge-uri", "data:image/png;base64," + "A".repeat(614_400 - 22));
                        producer.send(new ProducerRecord<>(in, partition, "huge-uri", WorkerEndToEndTest.REFS.encode(poison)));
                        // An unreadable value: its key becomes the failed record's id and key.
                        producer.send(new ProducerRecord<>(in, partition, hugeKey, new byte[] {1, 2, 3}));
                        // 80 KB of attributes that do not compress (the worker writes zstd; the topic's limit is on
                        // the compressed batch): scoreable, but its failure (the file is missing) is over that limit.
                        byte[] noise = new byte[60_000];
                        new java.util.Random(13).nextBytes(noise);
                        ImageRef big = ImageRef.newBuilder().setId("big-attributes")
                                .setUri(WorkerEndToEndTest.SAMPLES.resolve("no-such-file.png").toUri().toString())
                                .setSource("").setAttributes(Map.of("caption", java.util.Base64.getEncoder().encodeToString(noise)))
                                .setProducedAt(Instant.now()).build();
                        producer.send(new ProducerRecord<>(in, partition, "big-attributes", WorkerEndToEndTest.REFS.encode(big)));
                        produced += 3;
                    }
                }
            }
            producer.flush();
        }
        WorkerConfig config = new WorkerConfig(bootstrap, group, in, scored, failed, name + "-worker", 8, 12,
                Duration.ofMillis(20), 1, Duration.ofMillis(50), delivery);
        long total = produced;
        try (ClipEmbedder clip = ClipEmbedder.load(WorkerEndToEndTest.CLIP, Device.cpu());
             Scorer scorer = new Scorer(clip, WorkerEndToEndTest.loadHeads(), CropCombine.MEAN);
             ImageFetcher fetcher = new ImageFetcher(FetchConfig.defaults().withFileRoot(WorkerEndToEndTest.SAMPLES));
             ImagePipeline pipeline = new ImagePipeline(config, fetcher,
                     new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true), scorer,
                     Outcomes.clipModel(clip.id(), clip.digest(), clip.preprocessing().size()));
             Worker worker = new Worker(config, pipeline);
             GroupOffsets offsets = new GroupOffsets(bootstrap)) {
            Thread thread = new Thread(worker::run, name + "-worker");
            thread.start();
            try {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> offsets.committed(group, in) >= total);
            } finally {
                worker.stop();
                thread.join(30_000);
            }
            assertThat(thread.isAlive()).isFalse();
            Map<String, Integer> scoredWrites = new HashMap<>(), failedWrites = new HashMap<>();
            Map<String, FailedImage> failures = new HashMap<>();
            for (ConsumerRecord<String, byte[]> rec : WorkerEndToEndTest.readAll(bootstrap, scored)) {
                scoredWrites.merge(rec.key(), 1, Integer::sum);
            }
            for (ConsumerRecord<String, byte[]> rec : WorkerEndToEndTest.readAll(bootstrap, failed)) {
                failedWrites.merge(rec.key(), 1, Integer::sum);
                failures.put(rec.key(), WorkerEndToEndTest.FAILED.decode(rec.value()));
            }
            return new Run(scoredWrites, failures, failedWrites, good, hugeKey, offsets.committed(group, in), total);
        }
    }
}
