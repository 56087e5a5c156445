package dev.sieve.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import dev.sieve.avro.Correction;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.EmbeddingPrecision;
import dev.sieve.avro.ImageEmbeddings;
import dev.sieve.avro.ScoredImage;
import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.EmbeddedKafka;
import dev.sieve.kafka.TopicReader;
import dev.sieve.model.CityHead;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.HeadFolder;
import dev.sieve.model.HeadSet;
import dev.sieve.model.Scorer;
import dev.sieve.produce.ProduceConfig;
import dev.sieve.produce.ProduceResult;
import dev.sieve.produce.RefProducer;
import dev.sieve.produce.RefSource;
import dev.sieve.rescore.Rescorer;
import dev.sieve.sort.BucketMembers;
import dev.sieve.sort.HeadFamily;
import dev.sieve.sort.SortApp;
import dev.sieve.sort.SortConfig;
import dev.sieve.sort.TagRules;
import dev.sieve.work.EmbeddingsOutput;
import dev.sieve.work.ImagePipeline;
import dev.sieve.work.Outcomes;
import dev.sieve.work.Worker;
import dev.sieve.work.WorkerConfig;
import dev.sieve.work.WorkerMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The curator's loop through the real parts on the embedded KRaft broker: produce → a worker with embeddings (exactly
 * once) → the sorter (Kafka Streams, exactly once) → corrections → train → rescore → the sorter again.
 */
class CuratorLoopKafkaTest {
    private static final String IN = "loop-test.in";
    private static final String SCORED = "loop-test.scored";
    private static final String FAILED = "loop-test.failed";
    private static final String EMBEDDINGS = "loop-test.embeddings";
    private static final String CORRECTIONS = "loop-test.corrections";
    private static final int IMAGES = 60;
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final AvroSerde<ScoredImage> SCORED_SERDE = AvroSerde.of(ScoredImage.class);

    /**
     * A broker of its own: the sorter writes the default bucket topics ({@code images.bucket.<head>.<label>}), which
     * other tests on the shared broker read whole for the same fixture head.
     */
    private static EmbeddedKafka broker;

    @TempDir
    Path temp;

    @org.junit.jupiter.api.BeforeAll
    static void startBroker() {
        broker = EmbeddedKafka.start(0);
    }

    @org.junit.jupiter.api.AfterAll
    static void stopBroker() {
        if (broker != null) broker.close();
    }

    @Test
    void correctedBucketsTrainARevisionThatTheWorkerLoadsAndTheSorterAppliesWithCorrectionsWinning() throws Exception {
        String bootstrap = broker.bootstrapServers();
        KafkaSettings kafka = KafkaSettings.of(bootstrap);
        broker.createTopics(2, IN, SCORED, FAILED, EMBEDDINGS, CORRECTIONS);
        Path heads = Files.createDirectories(temp.resolve("heads"));
        for (String suffix : List.of(".safetensors", ".config.json")) {
            Files.copy(KnownCorpus.fixtureHead().resolveSibling(KnownCorpus.HEAD + suffix), heads.resolve(KnownCorpus.HEAD + suffix));
        }
        Path images = Files.createDirectories(temp.resolve("images"));
        Map<String, String> truth = KnownCorpus.write(IMAGES, 3, images);
        ProduceResult produced = RefProducer.produce(ProduceConfig.of(kafka, ProduceConfig.SETTINGS.defaults()
                .set(ProduceConfig.TOPIC, IN).set(ProduceConfig.SOURCE, "loop-test"), Map.of()), RefSource.folder(images, false));
        assertThat(produced.sent()).isEqualTo(IMAGES);
        Set<String> ids = TopicReader.readCommitted(bootstrap, IN, Duration.ofSeconds(30)).stream()
                .map(ConsumerRecord::key).collect(Collectors.toCollection(TreeSet::new));
        assertThat(ids).hasSize(IMAGES);

        SortConfig sort = new SortConfig(SCORED, CORRECTIONS, "loop-test-sorter", TagRules.defaults(),
                SortConfig.Guarantee.EXACTLY_ONCE_V2, 1, (short) 1, 1, Optional.of(temp.resolve("streams")));
        try (SortApp sorter = SortApp.start(sort, kafka)) {
            score(kafka, images, heads);
            // A committed transaction's markers reach the partitions just after the commit returns.
            await().atMost(WAIT).untilAsserted(() -> assertThat(scoredBy(bootstrap, KnownCorpus.HEAD).keySet()).isEqualTo(ids));
            Map<String, List<ScoredImage>> first = scoredBy(bootstrap, KnownCorpus.HEAD);
            assertThat(first.values()).allSatisfy(records -> assertThat(records).hasSize(1));
            Map<String, Integer> embeddings = new TreeMap<>();
            for (var r : TopicReader.readCommitted(bootstrap, EMBEDDINGS, Duration.ofSeconds(30))) {
                assertThat(AvroSerde.of(ImageEmbeddings.class).decode(r.value()).getRef().getId()).isEqualTo(r.key());
                embeddings.merge(r.key(), 1, Integer::sum);
            }
            assertThat(embeddings.keySet()).isEqualTo(ids);
            assertThat(embeddings.values()).containsOnly(1);

            List<Correction> corrections = KnownCorpus.corrections(first.values().stream().map(l -> l.get(0)).toList(), truth, "test");
            assertThat(corrections).isNotEmpty();
            publish(kafka, corrections);

            HeadTraining.Result trained = HeadTraining.run(new HeadTraining.Config(bootstrap, SCORED, CORRECTIONS, EMBEDDINGS,
                    heads.resolve(KnownCorpus.HEAD + ".safetensors"), heads, null,
                    new TrainingRecipe(1e-4, 1000, 1, 0.01, List.of(), 0, false), 0.3, 7, TagRules.defaults(),
                    Duration.ofSeconds(30)), System.out);
            assertThat(trained.weights()).exists().hasFileName("TestAnime-Triple-v0.3.safetensors");
            assertThat(trained.heldOutImages() + trained.trained().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(IMAGES);
            assertThat(trained.after().accuracy()).isGreaterThanOrEqualTo(trained.before().accuracy());
            List<CityHead> loaded = HeadFolder.loadNewest(heads, Device.cpu(), System.out);
            loaded.forEach(CityHead::close);
            assertThat(loaded).extracting(CityHead::name).containsExactly(trained.name());

            Rescorer.Result rescored;
            try (CityHead head = CityHead.load(trained.weights(), Device.cpu())) {
                rescored = new Rescorer(new Rescorer.Config(bootstrap, EMBEDDINGS, SCORED, "loop-test-rescore", "loop-test-rescore",
                        500, Duration.ofSeconds(30)), new HeadSet(List.of(head), CropCombine.MEAN, Map.of())).run(System.out);
            }
            assertThat(rescored.rescored()).isEqualTo(IMAGES);

            Map<String, String> expected = new TreeMap<>();
            await().atMost(WAIT).untilAsserted(() -> {
                Map<String, List<ScoredImage>> second = scoredBy(bootstrap, trained.name());
                assertThat(second.keySet()).isEqualTo(ids);
                assertThat(second.values()).allSatisfy(records -> assertThat(records).hasSize(1));
                second.forEach((id, records) -> expected.put(id, records.get(0).getTags().get(0).getLabel()));
            });
            assertThat(scoredBy(bootstrap, KnownCorpus.HEAD).values()).allSatisfy(records -> assertThat(records).hasSize(1));
            for (Correction c : corrections) expected.put(c.getId(), c.getNewLabel());

            String family = HeadFamily.of(KnownCorpus.HEAD, KnownCorpus.REVISION);
            await().atMost(WAIT).untilAsserted(() -> {
                BucketMembers buckets = BucketMembers.read(TopicReader.quiet(kafka, "loop-test", Duration.ofSeconds(30)));
                Map<String, Set<String>> labels = new TreeMap<>(buckets.labels(family));
                labels.keySet().retainAll(ids); // bucket topics are shared with other tests' images of the same head
                Map<String, String> headOf = new HashMap<>();
                buckets.byBucket().forEach((bucket, in) -> in.stream().filter(ids::contains)
                        .forEach(id -> headOf.merge(id, bucket.head(), (a, b) -> a + "," + b)));
                assertThat(headOf).as("every image in the new revision's buckets only").hasSize(IMAGES)
                        .allSatisfy((id, head) -> assertThat(head).isEqualTo(trained.name()));
                assertThat(labels).as("one bucket per image: the new revision's label, or the correction's")
                        .isEqualTo(expected.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> Set.of(e.getValue()))));
            });
            System.out.printf("loop: %d corrections, held-out accuracy %.3f -> %.3f, %d rescored%n", corrections.size(),
                    trained.before().accuracy(), trained.after().accuracy(), rescored.rescored());
        }
    }

    /** A worker with embeddings kept, in group mode (exactly once), until every reference is written; then stopped. */
    private static void score(KafkaSettings kafka, Path files, Path heads) throws Exception {
        WorkerConfig config = WorkerConfig.of(kafka, WorkerConfig.SETTINGS.defaults().set(WorkerConfig.GROUP, "loop-test-workers")
                .set(WorkerConfig.INPUT_TOPIC, IN).set(WorkerConfig.SCORED_TOPIC, SCORED).set(WorkerConfig.FAILED_TOPIC, FAILED)
                .set(WorkerConfig.WORKER_ID, "loop-test-worker").set(WorkerConfig.PREPARE_THREADS, 1)
                .set(WorkerConfig.DELIVERY, WorkerConfig.Delivery.EXACTLY_ONCE));
        ClipEmbedder clip = ClipEmbedder.load(KnownCorpus.repo().resolve("models/fixtures/clip-tiny-336/clip-tiny-336.pt"), Device.cpu());
        try (Scorer scorer = new Scorer(clip, HeadFolder.loadNewest(heads, Device.cpu(), System.out), CropCombine.MEAN, Map.of(), true);
             ImageFetcher fetcher = new ImageFetcher(FetchConfig.of(FetchConfig.SETTINGS.defaults().set(FetchConfig.FILE_ROOT, files)));
             ImagePipeline pipeline = new ImagePipeline(config, fetcher, new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true),
                     scorer, Outcomes.clipModel(clip.id(), clip.digest(), clip.preprocessing().size()), WorkerMetrics.unregistered(),
                     List.of(new EmbeddingsOutput(EMBEDDINGS, clip, true, EmbeddingPrecision.FLOAT32, AvroSerde.of(ImageEmbeddings.class))));
             Worker worker = new Worker(config, pipeline)) {
            Thread thread = new Thread(worker::run, "loop-test-worker");
            thread.start();
            try {
                await().atMost(WAIT).until(() -> worker.stats().scored() + worker.stats().failed() >= IMAGES || !thread.isAlive());
            } finally {
                worker.stop();
                thread.join(60_000);
            }
            assertThat(thread.isAlive()).isFalse();
            assertThat(worker.stats().scored()).as(worker.stats().toString()).isEqualTo(IMAGES);
        }
    }

    /** Per image id, its committed records on the scored topic from {@code head}. */
    private static Map<String, List<ScoredImage>> scoredBy(String bootstrap, String head) {
        Map<String, List<ScoredImage>> out = new TreeMap<>();
        for (var r : TopicReader.readCommitted(bootstrap, SCORED, Duration.ofSeconds(30))) {
            ScoredImage s = SCORED_SERDE.decode(r.value());
            if (s.getHeads().get(0).getName().equals(head)) out.computeIfAbsent(s.getRef().getId(), k -> new java.util.ArrayList<>()).add(s);
        }
        return out;
    }

    private static void publish(KafkaSettings kafka, List<Correction> corrections) {
        AvroSerde<Correction> serde = AvroSerde.of(Correction.class);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.props(), new StringSerializer(), new ByteArraySerializer())) {
            for (Correction c : corrections) producer.send(new ProducerRecord<>(CORRECTIONS, c.getId(), serde.encode(c)));
            producer.flush();
        }
    }
}
