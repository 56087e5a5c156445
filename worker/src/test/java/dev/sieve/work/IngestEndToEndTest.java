package dev.sieve.work;

import static dev.sieve.work.WorkerEndToEndTest.CLIP;
import static dev.sieve.work.WorkerEndToEndTest.FAILED;
import static dev.sieve.work.WorkerEndToEndTest.REFS;
import static dev.sieve.work.WorkerEndToEndTest.SAMPLES;
import static dev.sieve.work.WorkerEndToEndTest.SCORED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import com.sun.net.httpserver.HttpServer;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.FailedImage;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.ScoredImage;
import dev.sieve.cli.Sieve;
import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.Fetched;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.fetch.OptOut;
import dev.sieve.fetch.TarShards;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.PerceptualHash;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.kafka.TopicReader;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.Scorer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 19's inputs and marks on real parts: `sieve produce --from-tar` puts WebDataset members on a real broker, a real
 * worker reads them out of the shard, and every scored record carries the bytes' sha256 and a perceptual hash; an image
 * whose loopback HTTP answer opts out of AI use ends as FETCH/OPTED_OUT, or, with --ignore-opt-out, scored and marked.
 */
class IngestEndToEndTest {
    @TempDir
    Path root;

    @Test
    void shardMembersAreScoredWithTheirAttributesAndHashesAndOptOutsAreHonoured() throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String in = "ingest.in", scored = "ingest.scored", failed = "ingest.failed";
        SharedKafka.broker().createTopics(2, in, scored, failed);
        byte[] garden = Files.readAllBytes(SAMPLES.resolve("garden-640x480.jpg"));
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("000000000.jpg", garden);
        members.put("000000000.txt", "a garden".getBytes(StandardCharsets.UTF_8));
        members.put("000000000.json", "{\"url\": \"https://example.org/garden.jpg\"}".getBytes(StandardCharsets.UTF_8));
        members.put("000000001.jpg", garden); // the same file again, under another key
        members.put("000000002.png", Files.readAllBytes(SAMPLES.resolve("sketch-500x700-grey.png")));
        Path shard = TarShards.write(Files.createDirectories(root.resolve("shards")).resolve("00000.tar"), members);

        int exit = new CommandLine(new Sieve()).execute("produce", "-b", bootstrap, "--topic", in, "--progress", "none",
                "--from-tar", shard.toString());
        assertThat(exit).isZero();

        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("X-Robots-Tag", "noai");
            exchange.sendResponseHeaders(200, garden.length);
            exchange.getResponseBody().write(garden);
            exchange.close();
        });
        http.start();
        String optedOut = "http://127.0.0.1:" + http.getAddress().getPort() + "/noai.jpg";
        try (KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
            producer.send(new ProducerRecord<>(in, "noai", REFS.encode(WorkerEndToEndTest.ref("noai", optedOut))));
        }
        try {
            runWorker(bootstrap, in, scored, failed, 4, false);
            FailedImage refused = FAILED.decode(TopicReader.readCommitted(bootstrap, failed, Duration.ofSeconds(30)).get(0).value());
            assertThat(refused.getCode()).isEqualTo(FailureCode.OPTED_OUT);
            assertThat(refused.getRef().getId()).isEqualTo("noai");

            // --ignore-opt-out: the same image, scored, its record naming what the site asked.
            String in2 = "ingest-ignore.in", scored2 = "ingest-ignore.scored", failed2 = "ingest-ignore.failed";
            SharedKafka.broker().createTopics(1, in2, scored2, failed2);
            try (KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
                producer.send(new ProducerRecord<>(in2, "noai", REFS.encode(WorkerEndToEndTest.ref("noai", optedOut))));
            }
            runWorker(bootstrap, in2, scored2, failed2, 1, true);
            ScoredImage ignored = SCORED.decode(TopicReader.readCommitted(bootstrap, scored2, Duration.ofSeconds(30)).get(0).value());
            assertThat(ignored.getOptOut()).isEqualTo("noai");
            assertThat(ignored.getSha256()).isEqualTo(Fetched.sha256(garden));
        } finally {
            http.stop(0);
        }

        Map<String, ScoredImage> byMember = new HashMap<>();
        for (var r : TopicReader.readCommitted(bootstrap, scored, Duration.ofSeconds(30))) {
            ScoredImage s = SCORED.decode(r.value());
            byMember.put(java.net.URI.create(s.getRef().getUri()).getFragment(), s);
        }
        assertThat(byMember).containsOnlyKeys("000000000.jpg", "000000001.jpg", "000000002.png");
        ScoredImage first = byMember.get("000000000.jpg");
        assertThat(first.getRef().getAttributes()).containsEntry("caption", "a garden")
                .containsEntry("url", "https://example.org/garden.jpg");
        assertThat(first.getWidth()).isEqualTo(640);
        assertThat(first.getOptOut()).isNull();
        assertThat(first.getSha256()).isEqualTo(Fetched.sha256(garden));
        ScoredImage again = byMember.get("000000001.jpg");
        assertThat(again.getRef().getId()).isNotEqualTo(first.getRef().getId());
        assertThat(again.getSha256()).isEqualTo(first.getSha256());
        assertThat(again.getPerceptualHash()).isEqualTo(first.getPerceptualHash());
        ScoredImage sketch = byMember.get("000000002.png");
        assertThat(sketch.getSha256()).isNotEqualTo(first.getSha256());
        assertThat(PerceptualHash.distance(sketch.getPerceptualHash(), first.getPerceptualHash()))
                .as("two different pictures").isGreaterThan(10);
    }

    private void runWorker(String bootstrap, String in, String scored, String failed, int expected, boolean ignoreOptOut)
            throws Exception {
        WorkerConfig config = TestWorkerConfig.of(bootstrap, in + "-workers", in, scored, failed, in + "-worker", 2, WorkerConfig.Delivery.EXACTLY_ONCE);
        FetchConfig fetch = FetchConfig.of(FetchConfig.SETTINGS.defaults().set(FetchConfig.FILE_ROOT, root)
                .set(FetchConfig.ALLOW_PRIVATE_ADDRESSES, true).set(FetchConfig.FETCH_ATTEMPTS, 1)
                .set(FetchConfig.RETRY_BACKOFF_MS, 100L).set(FetchConfig.IGNORE_OPT_OUT, ignoreOptOut));
        try (ClipEmbedder clip = ClipEmbedder.load(CLIP, Device.cpu());
             Scorer scorer = new Scorer(clip, WorkerEndToEndTest.loadHeads(), CropCombine.MEAN);
             ImageFetcher fetcher = new ImageFetcher(fetch);
             ImagePipeline pipeline = new ImagePipeline(config, fetcher,
                     new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true), scorer,
                     Outcomes.clipModel(clip.id(), clip.digest(), clip.preprocessing().size()));
             Worker worker = new Worker(config, pipeline)) {
            Thread thread = new Thread(worker::run, in + "-worker");
            thread.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> worker.stats().scored() + worker.stats().failed() >= expected);
            worker.stop();
            thread.join(30_000);
            assertThat(thread.isAlive()).isFalse();
        }
    }
}
