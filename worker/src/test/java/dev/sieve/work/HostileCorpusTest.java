package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.FailedImage;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.Stage;
import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.GuardedTestFetchers;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.ImagePreparer;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.Scorer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What scrapers feed a worker: the committed corpus (scripts/make-hostile-corpus) and hostile HTTP answers from a
 * loopback server. Every case ends on images.failed with the stage and code it deserves (the animated GIF is
 * scored from its first frame), and the worker goes on to score the good image behind them. Decompression bombs
 * must be refused from their headers: decoding one would need gigabytes, far over this JVM's heap.
 */
class HostileCorpusTest {
    static final Path CORPUS = WorkerEndToEndTest.REPO.resolve("worker/src/test/resources/hostile");
    static final long MAX_BYTES = 32 * 1024;

    static HttpServer http;
    static ExecutorService threads = Executors.newFixedThreadPool(6);
    /** Holds the "/slow" site's answer until the tests are over: it never answers within any request timeout. */
    static final java.util.concurrent.CountDownLatch slowSiteReleased = new java.util.concurrent.CountDownLatch(1);
    static String base;

    @BeforeAll
    static void serve() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.setExecutor(threads);
        http.createContext("/corpus/", exchange -> send(exchange, corpusFile(exchange, "/corpus/"), true));
        http.createContext("/chunked/", exchange -> send(exchange, corpusFile(exchange, "/chunked/"), false));
        http.createContext("/good.gif", exchange ->
                send(exchange, Files.readAllBytes(WorkerEndToEndTest.SAMPLES.resolve("badge-400x400.gif")), true)); // under MAX_BYTES
        http.createContext("/slow", exchange -> {
            try (exchange) {
                slowSiteReleased.await(60, java.util.concurrent.TimeUnit.SECONDS); // never answers within the request timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        http.createContext("/huge-length", exchange -> {
            try (exchange) {
                exchange.sendResponseHeaders(200, 1_000_000_000_000L); // declares 1 TB, sends nothing
            }
        });
        http.createContext("/loop", exchange -> redirect(exchange, "/loop"));
        http.createContext("/to-metadata", exchange ->
                redirect(exchange, "http://metadata.hostile.test/latest/meta-data/iam/security-credentials/"));
        http.createContext("/to-private", exchange -> redirect(exchange, "http://intranet.hostile.test/admin.png"));
        http.createContext("/status/", exchange -> {
            try (exchange) {
                exchange.sendResponseHeaders(Integer.parseInt(exchange.getRequestURI().getPath().substring(8)), -1);
            }
        });
        http.start();
        base = "http://127.0.0.1:" + http.getAddress().getPort();
    }

    @AfterAll
    static void stop() {
        slowSiteReleased.countDown();
        http.stop(0);
        threads.shutdownNow();
    }

    private record Expected(Stage stage, FailureCode code) {}

    @Test
    void everyHostileCaseFailsWithItsCodeAndTheWorkerGoesOn() throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String in = "hostile.in", scored = "hostile.scored", failed = "hostile.failed";
        SharedKafka.broker().createTopics(1, in, scored, failed);

        Map<String, String> uris = new LinkedHashMap<>();
        Map<String, Expected> expected = new HashMap<>();
        corpus("html-named.jpg", Stage.DECODE, FailureCode.NOT_AN_IMAGE, uris, expected);
        corpus("zero-bytes.png", Stage.DECODE, FailureCode.NOT_AN_IMAGE, uris, expected);
        corpus("truncated.png", Stage.DECODE, FailureCode.CORRUPT_IMAGE, uris, expected);
        corpus("truncated.jpg", Stage.DECODE, FailureCode.CORRUPT_IMAGE, uris, expected);
        corpus("bomb-100000x100000.png", Stage.DECODE, FailureCode.TOO_MANY_PIXELS, uris, expected);
        corpus("bomb-65000x65000.jpg", Stage.DECODE, FailureCode.TOO_MANY_PIXELS, uris, expected);
        corpus("bomb-65535x65535.gif", Stage.DECODE, FailureCode.TOO_MANY_PIXELS, uris, expected);
        corpus("over-byte-limit.png", Stage.FETCH, FailureCode.TOO_LARGE, uris, expected);
        http("chunked-over-byte-limit", "/chunked/over-byte-limit.png", FailureCode.TOO_LARGE, uris, expected);
        http("slow", "/slow", FailureCode.TIMEOUT, uris, expected);
        http("huge-content-length", "/huge-length", FailureCode.TOO_LARGE, uris, expected);
        http("redirect-loop", "/loop", FailureCode.TOO_MANY_REDIRECTS, uris, expected);
        http("redirect-to-metadata", "/to-metadata", FailureCode.FORBIDDEN_ADDRESS, uris, expected);
        http("redirect-to-private", "/to-private", FailureCode.FORBIDDEN_ADDRESS, uris, expected);
        http("status-500", "/status/500", FailureCode.HTTP_STATUS, uris, expected);
        http("status-404", "/status/404", FailureCode.NOT_FOUND, uris, expected);
        uris.put("animated-3-frames.gif", base + "/corpus/animated-3-frames.gif");
        uris.put("good", base + "/good.gif");
        byte[] junk = {0x4f, 0x62, 0x6a, 0x01, 0x7f};
        try (KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
            uris.forEach((id, uri) -> producer.send(new ProducerRecord<>(in, id,
                    WorkerEndToEndTest.REFS.encode(WorkerEndToEndTest.ref(id, uri)))));
            producer.send(new ProducerRecord<>(in, "junk", junk));
        }
        int total = uris.size() + 1;

        // The guard is on: loopback is allowed for the test server, every other address is judged by the policy,
        // and *.hostile.test names resolve (in the test resolver only) to addresses it must refuse.
        FetchConfig fetch = FetchConfig.defaults().withMaxBytes(MAX_BYTES).withRetries(1, Duration.ofMillis(10))
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2)).withMaxRedirects(5);
        WorkerConfig config = new WorkerConfig(bootstrap, "hostile-workers", in, scored, failed, "hostile-worker", 8, 12,
                Duration.ofMillis(20), 2, Duration.ofMillis(50));
        try (ClipEmbedder clip = ClipEmbedder.load(WorkerEndToEndTest.CLIP, Device.cpu());
             Scorer scorer = new Scorer(clip, WorkerEndToEndTest.loadHeads(), CropCombine.MEAN);
             ImageFetcher fetcher = GuardedTestFetchers.loopbackAllowed(fetch, Map.of(
                     "metadata.hostile.test", "169.254.169.254", "intranet.hostile.test", "::ffff:10.0.0.1"));
             ImagePipeline pipeline = new ImagePipeline(config, fetcher,
                     new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true), scorer,
                     Outcomes.clipModel(clip.id(), clip.digest(), clip.preprocessing().size()));
             Worker worker = new Worker(config, pipeline)) {
            Thread thread = new Thread(worker::run, "hostile-worker");
            thread.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> worker.stats().scored() + worker.stats().failed() >= total);
            worker.stop();
            thread.join(30_000);
        }

        Map<String, FailedImage> failures = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : WorkerEndToEndTest.readAll(bootstrap, failed)) {
            assertThat(failures.put(r.key(), WorkerEndToEndTest.FAILED.decode(r.value()))).as(r.key()).isNull();
        }
        Map<String, ScoredImage> scores = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : WorkerEndToEndTest.readAll(bootstrap, scored)) {
            scores.put(r.key(), WorkerEndToEndTest.SCORED.decode(r.value()));
        }
        StringBuilder table = new StringBuilder("hostile corpus:\n");
        for (var e : expected.entrySet()) {
            FailedImage f = failures.get(e.getKey());
            assertThat(f).as(e.getKey()).isNotNull();
            assertThat(f.getStage()).as("%s: %s", e.getKey(), f.getMessage()).isEqualTo(e.getValue().stage());
            assertThat(f.getCode()).as("%s: %s", e.getKey(), f.getMessage()).isEqualTo(e.getValue().code());
            table.append(String.format("  %-26s %s/%s  %s%n", e.getKey(), f.getStage(), f.getCode(), f.getMessage()));
        }
        System.out.print(table);
        assertThat(failures.get("status-500").getHttpStatus()).isEqualTo(500);
        assertThat(failures.get("status-404").getHttpStatus()).isEqualTo(404);
        assertThat(failures.get("bomb-100000x100000.png").getHttpStatus()).isNull();
        FailedImage unreadable = failures.get("junk");
        assertThat(unreadable.getStage()).isEqualTo(Stage.INPUT);
        assertThat(unreadable.getCode()).isEqualTo(FailureCode.BAD_REFERENCE);
        assertThat(unreadable.getRawValue()).isEqualTo(ByteBuffer.wrap(junk));
        assertThat(failures.keySet()).hasSize(expected.size() + 1);

        ScoredImage animated = scores.get("animated-3-frames.gif");
        assertThat(animated).as("an animated GIF is scored from its first frame").isNotNull();
        assertThat(animated.getWidth()).isEqualTo(64);
        assertThat(animated.getHeight()).isEqualTo(48);
        assertThat(scores.keySet()).containsExactlyInAnyOrder("good", "animated-3-frames.gif");
    }

    private static void corpus(String file, Stage stage, FailureCode code, Map<String, String> uris,
                               Map<String, Expected> expected) {
        uris.put(file, base + "/corpus/" + file);
        expected.put(file, new Expected(stage, code));
    }

    private static void http(String id, String path, FailureCode code, Map<String, String> uris,
                             Map<String, Expected> expected) {
        uris.put(id, base + path);
        expected.put(id, new Expected(Stage.FETCH, code));
    }

    private static byte[] corpusFile(HttpExchange exchange, String prefix) throws IOException {
        Path file = CORPUS.resolve(exchange.getRequestURI().getPath().substring(prefix.length())).normalize();
        if (!file.startsWith(CORPUS) || !Files.isRegularFile(file)) throw new IOException("not in the corpus: " + file);
        return Files.readAllBytes(file);
    }

    /** With a Content-Length, or chunked (no length: the fetcher must cut the stream itself). */
    private static void send(HttpExchange exchange, byte[] body, boolean withLength) throws IOException {
        try (exchange; OutputStream out = exchange.getResponseBody()) {
            exchange.sendResponseHeaders(200, withLength ? (body.length == 0 ? -1 : body.length) : 0);
            out.write(body);
        }
    }

    private static void redirect(HttpExchange exchange, String location) throws IOException {
        try (exchange) {
            exchange.getResponseHeaders().add("Location", location);
            exchange.sendResponseHeaders(302, -1);
        }
    }
}
