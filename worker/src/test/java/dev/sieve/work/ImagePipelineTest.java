package dev.sieve.work;

import dev.sieve.kafka.AvroSerde;
import dev.sieve.avro.ImageEmbeddings;
import dev.sieve.avro.EmbeddingPrecision;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.FailedImage;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.Stage;
import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.Scorer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The image's path as one object: what it makes of a reference on its own, and that each loop writes every record
 * an outcome carries — a second record per image (a {@link SideOutput}) included, in the same transaction.
 */
class ImagePipelineTest {
    private static final String GARDEN = WorkerEndToEndTest.SAMPLES.resolve("garden-640x480.jpg").toUri().toString();
    private static final String MISSING = WorkerEndToEndTest.SAMPLES.resolve("no-such-file.png").toUri().toString();

    /** The loops an outcome goes through to Kafka. */
    enum Loop { GROUP_EXACTLY_ONCE, GROUP_AT_LEAST_ONCE, SHARE }

    static ClipEmbedder clip;
    static Scorer scorer;

    @BeforeAll
    static void loadModels() throws Exception {
        clip = ClipEmbedder.load(WorkerEndToEndTest.CLIP, Device.cpu());
        scorer = new Scorer(clip, WorkerEndToEndTest.loadHeads(), CropCombine.MEAN);
    }

    @AfterAll
    static void closeModels() {
        scorer.close();
    }

    @Test
    void aReadableImageIsScoredIntoItsRecordOnTheScoredTopic() throws Exception {
        WorkerConfig config = unit();
        try (ImageFetcher fetcher = fetcher(); ImagePipeline pipeline = pipeline(config, fetcher, List.of())) {
            Outcome outcome = pipeline.process(WorkerEndToEndTest.ref("garden", GARDEN)).get(60, TimeUnit.SECONDS);

            assertThat(outcome).isInstanceOf(Outcome.Scored.class);
            ScoredImage scored = ((Outcome.Scored) outcome).scored();
            assertThat(scored.getRef().getId()).isEqualTo("garden");
            assertThat(scored.getHeads()).isNotEmpty();
            assertThat(outcome.outputs()).singleElement().satisfies(o -> {
                assertThat(o.topic()).isEqualTo(config.scoredTopic());
                assertThat(o.key()).isEqualTo("garden");
                assertThat(WorkerEndToEndTest.SCORED.decode(o.value())).isEqualTo(scored);
            });
        }
    }

    @Test
    void withEmbeddingsAScoredImageAlsoWritesItsEmbeddingsRecordKeyedByItsId() throws Exception {
        WorkerConfig config = unit();
        String tiled = WorkerEndToEndTest.SAMPLES.resolve("harbour-1920x1080.jpg").toUri().toString();
        try (Scorer keeping = new Scorer(clip, WorkerEndToEndTest.loadHeads(), CropCombine.MEAN, Map.of(), true);
             ImageFetcher fetcher = fetcher();
             ImagePipeline pipeline = new ImagePipeline(config, fetcher,
                     new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true), keeping,
                     Outcomes.clipModel(clip.id(), clip.digest(), clip.preprocessing().size()), WorkerMetrics.unregistered(),
                     List.of(new EmbeddingsOutput("unit.embeddings", clip, true, EmbeddingPrecision.FLOAT32,
                             AvroSerde.of(ImageEmbeddings.class))))) {
            for (String[] image : new String[][] {{"garden", GARDEN}, {"harbour", tiled}}) {
                Outcome outcome = pipeline.process(WorkerEndToEndTest.ref(image[0], image[1])).get(60, TimeUnit.SECONDS);

                assertThat(outcome).isInstanceOf(Outcome.Scored.class);
                assertThat(outcome.outputs()).hasSize(2);
                Output second = outcome.outputs().get(1);
                assertThat(second.topic()).isEqualTo("unit.embeddings");
                assertThat(second.key()).isEqualTo(image[0]);
                ImageEmbeddings record = AvroSerde.of(ImageEmbeddings.class).decode(second.value());
                ScoredImage scored = ((Outcome.Scored) outcome).scored();
                assertThat(record.getRef().getId()).isEqualTo(image[0]);
                assertThat(record.getCropCount()).isEqualTo(record.getTiled() ? 5 : 1);
                assertThat(record.getCrops().remaining()).isEqualTo(record.getCropCount() * record.getDimensions() * 4);
                assertThat(record.getWhole() != null).isEqualTo(record.getTiled());
                assertThat(record.getClipDigest()).isEqualTo(scored.getClip().getDigest());
            }
        }
    }

    @Test
    void aMissingFileFailsAtFetchIntoItsRecordOnTheFailedTopic() throws Exception {
        WorkerConfig config = unit();
        try (ImageFetcher fetcher = fetcher(); ImagePipeline pipeline = pipeline(config, fetcher, List.of(sideOutput(16)))) {
            Outcome outcome = pipeline.process(WorkerEndToEndTest.ref("missing", MISSING)).get(60, TimeUnit.SECONDS);

            assertThat(outcome).isInstanceOf(Outcome.Failed.class);
            assertThat(((Outcome.Failed) outcome).why().code()).isEqualTo(FailureCode.NOT_FOUND);
            assertThat(outcome.outputs()).as("a failed image writes no side output").singleElement().satisfies(o -> {
                assertThat(o.topic()).isEqualTo(config.failedTopic());
                FailedImage failed = WorkerEndToEndTest.FAILED.decode(o.value());
                assertThat(failed.getStage()).isEqualTo(Stage.FETCH);
                assertThat(failed.getCode()).isEqualTo(FailureCode.NOT_FOUND);
            });
        }
    }

    @Test
    void anUnreadableRecordFailsAsABadReferenceThatKeepsItsValue() throws Exception {
        WorkerConfig config = unit();
        try (ImageFetcher fetcher = fetcher(); ImagePipeline pipeline = pipeline(config, fetcher, List.of())) {
            Outcome outcome = pipeline.process(new ConsumerRecord<>("in", 0, 7L, "junk", new byte[] {1, 2, 3}))
                    .get(10, TimeUnit.SECONDS);

            assertThat(outcome).isInstanceOf(Outcome.Failed.class);
            FailedImage failed = WorkerEndToEndTest.FAILED.decode(outcome.outputs().get(0).value());
            assertThat(failed.getRef().getId()).isEqualTo("junk");
            assertThat(failed.getStage()).isEqualTo(Stage.INPUT);
            assertThat(failed.getCode()).isEqualTo(FailureCode.BAD_REFERENCE);
            assertThat(failed.getRawValue().array()).containsExactly(1, 2, 3);
        }
    }

    @Test
    void aSideOutputOverTheProducersLimitEndsTheImageAsEmitTooLargeAlone() throws Exception {
        WorkerConfig config = unit();
        try (ImageFetcher fetcher = fetcher();
             ImagePipeline pipeline = pipeline(config, fetcher, List.of(sideOutput(2 * 1024 * 1024)))) {
            Outcome outcome = pipeline.process(WorkerEndToEndTest.ref("garden", GARDEN)).get(60, TimeUnit.SECONDS);

            assertThat(outcome).isInstanceOf(Outcome.Failed.class);
            assertThat(((Outcome.Failed) outcome).why().stage()).isEqualTo(Stage.EMIT);
            assertThat(((Outcome.Failed) outcome).why().code()).isEqualTo(FailureCode.TOO_LARGE);
            assertThat(outcome.outputs()).as("neither the scored record nor the side output").singleElement()
                    .satisfies(o -> assertThat(o.topic()).isEqualTo(config.failedTopic()));
        }
    }

    @ParameterizedTest
    @EnumSource(Loop.class)
    void eachLoopWritesEveryRecordOfAnOutcome(Loop loop) throws Exception {
        String name = "pipeline-" + loop.name().toLowerCase().replace('_', '-');
        WorkerConfig config = config(name, loop == Loop.GROUP_AT_LEAST_ONCE
                ? WorkerConfig.Delivery.AT_LEAST_ONCE : WorkerConfig.Delivery.EXACTLY_ONCE);
        String side = name + ".side";
        SharedKafka.broker().createTopics(2, config.inputTopic(), config.scoredTopic(), config.failedTopic(), side);
        Set<String> good = Set.of("good-1", "good-2", "good-3");

        Map<String, Integer> written = run(loop, config, List.of(sideOutput(side, 64)), good, Set.of("missing"));

        assertThat(keys(config.scoredTopic())).isEqualTo(good);
        assertThat(keys(side)).as("every scored image's second record").isEqualTo(good);
        assertThat(keys(config.failedTopic())).isEqualTo(Set.of("missing"));
        assertThat(written).isEqualTo(Map.of("scored", 3, "failed", 1));
    }

    /**
     * One image's second record goes to a topic that takes 1 KiB a record, and is 8 KiB that do not compress (alone on
     * that topic, so no other record shares its batch). The broker refuses it, which aborts the transaction: its
     * scored record, sent before it, is not visible either, and the image ends as EMIT/TOO_LARGE while the others
     * keep both their records.
     */
    @Test
    void aSecondRecordTheBrokerRefusesEndsItsImageAsEmitTooLargeWithNeitherRecordVisible() throws Exception {
        String name = "pipeline-refused";
        WorkerConfig config = config(name, WorkerConfig.Delivery.EXACTLY_ONCE);
        String side = name + ".side", small = name + ".side-small";
        SharedKafka.broker().createTopics(2, config.inputTopic(), config.scoredTopic(), config.failedTopic(), side);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", SharedKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(small, 2, (short) 1).configs(Map.of("max.message.bytes", "1024"))))
                    .all().get(30, TimeUnit.SECONDS);
        }
        SideOutput sized = (scored, image, score) -> (scored.getRef().getId().equals("too-big")
                ? sideOutput(small, 8 * 1024) : sideOutput(side, 64)).outputs(scored, image, score);

        Map<String, Integer> written = run(Loop.GROUP_EXACTLY_ONCE, config, List.of(sized),
                Set.of("good-1", "good-2", "too-big"), Set.of());

        assertThat(keys(config.scoredTopic())).isEqualTo(Set.of("good-1", "good-2"));
        assertThat(keys(side)).isEqualTo(Set.of("good-1", "good-2"));
        assertThat(keys(small)).isEmpty();
        assertThat(WorkerEndToEndTest.readAll(SharedKafka.bootstrapServers(), config.failedTopic()))
                .singleElement().satisfies(rec -> {
                    FailedImage failed = WorkerEndToEndTest.FAILED.decode(rec.value());
                    assertThat(rec.key()).isEqualTo("too-big");
                    assertThat(failed.getStage()).as(failed.getMessage()).isEqualTo(Stage.EMIT);
                    assertThat(failed.getCode()).isEqualTo(FailureCode.TOO_LARGE);
                    assertThat(failed.getMessage()).contains(small);
                });
        assertThat(written).isEqualTo(Map.of("scored", 2, "failed", 1));
    }

    /** Produces a reference per id, runs the loop until each image is written, and returns its counts. */
    private Map<String, Integer> run(Loop loop, WorkerConfig config, List<SideOutput> sideOutputs, Set<String> good,
                                     Set<String> missing) throws Exception {
        try (KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(config.bootstrapServers())) {
            for (String id : new TreeSet<>(good)) send(producer, config, id, GARDEN);
            for (String id : missing) send(producer, config, id, MISSING);
        }
        int total = good.size() + missing.size();
        try (ImageFetcher fetcher = fetcher(); ImagePipeline pipeline = pipeline(config, fetcher, sideOutputs)) {
            Worker group = loop == Loop.SHARE ? null : new Worker(config, pipeline);
            ShareWorker share = loop == Loop.SHARE ? new ShareWorker(config, pipeline, 5) : null;
            WorkerStats stats = share != null ? share.stats() : group.stats();
            Thread thread = new Thread(share != null ? share::run : group::run, config.workerId());
            thread.start();
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> stats.scored() + stats.failed() >= total);
            } finally {
                if (share != null) share.stop(); else group.stop();
                thread.join(30_000);
            }
            assertThat(thread.isAlive()).isFalse();
            return new TreeMap<>(Map.of("scored", (int) stats.scored(), "failed", (int) stats.failed()));
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, WorkerConfig config, String id, String uri)
            throws Exception {
        producer.send(new ProducerRecord<>(config.inputTopic(), id,
                WorkerEndToEndTest.REFS.encode(WorkerEndToEndTest.ref(id, uri)))).get();
    }

    private static Set<String> keys(String topic) {
        Set<String> keys = new TreeSet<>();
        for (ConsumerRecord<String, byte[]> rec : WorkerEndToEndTest.readAll(SharedKafka.bootstrapServers(), topic)) {
            keys.add(rec.key());
        }
        return keys;
    }

    /** For the pipeline alone, which never contacts Kafka. */
    private static WorkerConfig unit() {
        return config("127.0.0.1:9", "unit", WorkerConfig.Delivery.EXACTLY_ONCE);
    }

    private static WorkerConfig config(String name, WorkerConfig.Delivery delivery) {
        return config(SharedKafka.bootstrapServers(), name, delivery);
    }

    private static WorkerConfig config(String bootstrap, String name, WorkerConfig.Delivery delivery) {
        return TestWorkerConfig.of(bootstrap, name + "-workers", name + ".in", name + ".scored",
                name + ".failed", name + "-worker", 1, delivery);
    }

    private static ImageFetcher fetcher() {
        return new ImageFetcher(FetchConfig.of(FetchConfig.SETTINGS.defaults().set(FetchConfig.FILE_ROOT, WorkerEndToEndTest.SAMPLES)));
    }

    private static ImagePipeline pipeline(WorkerConfig config, ImageFetcher fetcher, List<SideOutput> sideOutputs) {
        return new ImagePipeline(config, fetcher, new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true),
                scorer, Outcomes.clipModel(clip.id(), clip.digest(), clip.preprocessing().size()),
                WorkerMetrics.unregistered(), sideOutputs);
    }

    /** A second record per scored image, on an unused topic: only its size matters here. */
    private static SideOutput sideOutput(int bytes) {
        return sideOutput("unit.side", bytes);
    }

    /** A second record per scored image: {@code bytes} bytes that do not compress, keyed by the image's id. */
    private static SideOutput sideOutput(String topic, int bytes) {
        return (scored, image, score) -> {
            String id = scored.getRef().getId();
            byte[] value = new byte[bytes];
            new Random(id.hashCode()).nextBytes(value);
            System.arraycopy(id.getBytes(StandardCharsets.UTF_8), 0, value, 0, Math.min(id.length(), bytes));
            return List.of(new Output(topic, id, value));
        };
    }
}
