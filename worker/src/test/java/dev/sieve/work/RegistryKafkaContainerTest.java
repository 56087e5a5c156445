package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.FailedImage;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.ScoredImage;
import dev.sieve.cli.Sieve;
import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.ImagePreparer;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.EmbeddedKafka;
import dev.sieve.kafka.KafkaClients;
import dev.sieve.kafka.TopicReader;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.Scorer;
import dev.sieve.sort.SortApp;
import dev.sieve.sort.SortConfig;
import dev.sieve.sort.TagRules;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * produce → work → sort with Apicurio Registry's serdes ({@code --schema-registry}) on the official apache/kafka and
 * apicurio/apicurio-registry images: every value on the way is registry-framed, the registry holds sieve's schemas,
 * and every stage reads what the one before wrote. Needs a Docker engine; without one JUnit reports the class as
 * skipped ("Docker is not available"). No fake registry stands in for it here.
 */
@Testcontainers(disabledWithoutDocker = true)
class RegistryKafkaContainerTest {
    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.0");

    @Container
    @SuppressWarnings("resource")
    static final GenericContainer<?> REGISTRY = new GenericContainer<>("apicurio/apicurio-registry:3.1.7")
            .withExposedPorts(8080)
            .waitingFor(Wait.forHttp("/apis/registry/v3/system/info").forPort(8080).forStatusCode(200)
                    .withStartupTimeout(Duration.ofMinutes(3)));

    @TempDir
    Path stateDir;

    @AfterEach
    void backToSingleObjectEncoding() {
        KafkaClients.useSchemaRegistry(null);
    }

    @Test
    void produceWorkAndSortThroughTheRegistry() throws Exception {
        String bootstrap = KAFKA.getBootstrapServers();
        String registry = "http://" + REGISTRY.getHost() + ":" + REGISTRY.getMappedPort(8080) + "/apis/registry/v3";
        String in = "reg.in", scored = "reg.scored", failed = "reg.failed";
        EmbeddedKafka.createTopics(bootstrap, 2, List.of(in, scored, failed));

        StringWriter err = new StringWriter();
        int rc = Sieve.commandLine().setErr(new PrintWriter(err, true)).execute("produce", "-b", bootstrap, "--topic", in,
                "--schema-registry", registry, "--progress", "none",
                WorkerEndToEndTest.SAMPLES.resolve("garden-640x480.jpg").toString(),
                WorkerEndToEndTest.SAMPLES.resolve("harbour-1920x1080.jpg").toString(),
                WorkerEndToEndTest.SAMPLES.resolve("notes.txt").toString());
        assertThat(rc).as("sieve produce --schema-registry; stderr: %s", err).isZero();
        assertThat(KafkaClients.schemaRegistry()).as("the option set the process-wide registry").isPresent();
        List<ConsumerRecord<String, byte[]>> refs = TopicReader.readCommitted(bootstrap, in, Duration.ofSeconds(30));
        assertThat(refs).hasSize(3).allSatisfy(r -> assertThat(r.value()[0]).as("registry framing (magic byte 0)").isZero());

        WorkerConfig config = new WorkerConfig(bootstrap, "reg-workers", in, scored, failed, "reg-worker", 8, 12,
                Duration.ofMillis(20), 2, Duration.ofMillis(50));
        FetchConfig fetch = FetchConfig.defaults().withTimeouts(FetchConfig.defaults().connectTimeout(), Duration.ofSeconds(10))
                .withRetries(1, FetchConfig.defaults().retryBackoff()).withFileRoot(WorkerEndToEndTest.SAMPLES);
        try (ClipEmbedder clip = ClipEmbedder.load(WorkerEndToEndTest.CLIP, Device.cpu());
             Scorer scorer = new Scorer(clip, WorkerEndToEndTest.loadHeads(), CropCombine.MEAN);
             ImageFetcher fetcher = new ImageFetcher(fetch);
             ImagePipeline pipeline = new ImagePipeline(config, fetcher, new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true),
                     scorer, Outcomes.clipModel(clip.id(), clip.digest(), clip.preprocessing().size()));
             Worker worker = new Worker(config, pipeline)) {
            Thread thread = new Thread(worker::run, "reg-worker");
            thread.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> worker.stats().scored() + worker.stats().failed() >= 3);
            worker.stop();
            thread.join(30_000);
            assertThat(thread.isAlive()).isFalse();
        }

        List<ConsumerRecord<String, byte[]>> scoredRecords = TopicReader.readCommitted(bootstrap, scored, Duration.ofSeconds(30));
        List<ConsumerRecord<String, byte[]>> failedRecords = TopicReader.readCommitted(bootstrap, failed, Duration.ofSeconds(30));
        assertThat(scoredRecords).hasSize(2).allSatisfy(r -> assertThat(r.value()[0]).isZero());
        assertThat(failedRecords).hasSize(1).allSatisfy(r -> assertThat(r.value()[0]).isZero());
        List<ScoredImage> images = scoredRecords.stream().map(r -> AvroSerde.of(ScoredImage.class).decode(r.value())).toList();
        assertThat(images).extracting(i -> i.getRef().getUri().toString())
                .allSatisfy(uri -> assertThat(uri).endsWith(".jpg"));
        FailedImage notes = AvroSerde.of(FailedImage.class).decode(failedRecords.get(0).value());
        assertThat(notes.getCode()).isEqualTo(FailureCode.NOT_AN_IMAGE);

        SortConfig sort = new SortConfig(scored, scored + ".corrections", "reg-sort", TagRules.defaults(),
                SortConfig.Guarantee.EXACTLY_ONCE_V2, 1, (short) 1, 1, Optional.of(stateDir));
        try (SortApp app = SortApp.start(sort, bootstrap)) {
            await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(app.counts().images()).isEqualTo(2));
            assertThat(app.counts().undecodable()).isZero();
            assertThat(app.counts().routed()).isPositive();
        }

        HttpResponse<String> artifacts = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(registry + "/search/artifacts?limit=50")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(artifacts.statusCode()).isEqualTo(200);
        assertThat(artifacts.body()).contains("ImageRef").contains("ScoredImage").contains("FailedImage");
    }
}
