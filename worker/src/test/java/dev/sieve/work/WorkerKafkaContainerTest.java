package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.FailedImage;
import dev.sieve.avro.FailureCode;
import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.ImagePreparer;
import dev.sieve.kafka.EmbeddedKafka;
import dev.sieve.kafka.TopicReader;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.Scorer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The worker end to end against the official apache/kafka image instead of the in-JVM broker: the same
 * transactions, read_committed consumers and group protocol, on the broker users run. Needs a Docker engine;
 * without one JUnit reports the class as skipped ("Docker is not available"), and the in-JVM tests still run.
 */
@Testcontainers(disabledWithoutDocker = true)
class WorkerKafkaContainerTest {
    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.0");

    @Test
    void workerCommitsEveryReferenceOnceOnTheOfficialBroker() throws Exception {
        String bootstrap = KAFKA.getBootstrapServers();
        String in = "tc.in", scored = "tc.scored", failed = "tc.failed";
        EmbeddedKafka.createTopics(bootstrap, 3, List.of(in, scored, failed));
        Map<String, String> uriById = new LinkedHashMap<>();
        uriById.put("garden", WorkerEndToEndTest.SAMPLES.resolve("garden-640x480.jpg").toUri().toString());
        uriById.put("harbour", WorkerEndToEndTest.SAMPLES.resolve("harbour-1920x1080.jpg").toUri().toString());
        uriById.put("notes", WorkerEndToEndTest.SAMPLES.resolve("notes.txt").toUri().toString());
        try (KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
            uriById.forEach((id, uri) -> producer.send(new ProducerRecord<>(in, id,
                    WorkerEndToEndTest.REFS.encode(WorkerEndToEndTest.ref(id, uri)))));
        }

        WorkerConfig config = new WorkerConfig(bootstrap, "tc-workers", in, scored, failed, "tc-worker", 8, 12,
                Duration.ofMillis(20), 2, Duration.ofMillis(50));
        FetchConfig fetch = FetchConfig.defaults().withTimeouts(FetchConfig.defaults().connectTimeout(), Duration.ofSeconds(10))
                .withRetries(1, FetchConfig.defaults().retryBackoff()).withFileRoot(WorkerEndToEndTest.SAMPLES).withAllowPrivateAddresses(true);
        try (ClipEmbedder clip = ClipEmbedder.load(WorkerEndToEndTest.CLIP, Device.cpu());
             Scorer scorer = new Scorer(clip, WorkerEndToEndTest.loadHeads(), CropCombine.MEAN);
             ImageFetcher fetcher = new ImageFetcher(fetch);
             ImagePipeline pipeline = new ImagePipeline(config, fetcher, new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true),
                     scorer, Outcomes.clipModel(clip.id(), clip.digest(), clip.preprocessing().size()));
             Worker worker = new Worker(config, pipeline)) {
            Thread thread = new Thread(worker::run, "tc-worker");
            thread.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> worker.stats().scored() + worker.stats().failed() >= uriById.size());
            worker.stop();
            thread.join(30_000);
            assertThat(thread.isAlive()).isFalse();
        }

        List<String> scoredIds = TopicReader.readCommitted(bootstrap, scored, Duration.ofSeconds(30)).stream()
                .map(ConsumerRecord::key).toList();
        List<ConsumerRecord<String, byte[]>> failedRecords = TopicReader.readCommitted(bootstrap, failed, Duration.ofSeconds(30));
        assertThat(scoredIds).containsExactlyInAnyOrder("garden", "harbour");
        assertThat(failedRecords).hasSize(1);
        FailedImage notes = WorkerEndToEndTest.FAILED.decode(failedRecords.get(0).value());
        assertThat(notes.getRef().getId()).isEqualTo("notes");
        assertThat(notes.getCode()).isEqualTo(FailureCode.NOT_AN_IMAGE);
    }
}
