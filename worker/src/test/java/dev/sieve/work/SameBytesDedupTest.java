package dev.sieve.work;

import dev.sieve.kafka.KafkaSettings;
import static dev.sieve.work.WorkerEndToEndTest.CLIP;
import static dev.sieve.work.WorkerEndToEndTest.REFS;
import static dev.sieve.work.WorkerEndToEndTest.SCORED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import com.sun.net.httpserver.HttpServer;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.ScoredImage;
import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.kafka.TopicReader;
import dev.sieve.metrics.MeterNames;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.Scorer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Same bytes, one inference, on real parts: a feed where 30 % of the references are the same files under other URLs,
 * scored by one worker and, after it stopped, by a second one (a restart: its store is rebuilt from the content topic).
 * Every reference ends scored once; each repeat carries the first image's result, marked duplicate_of it, and CLIP
 * ran only for the distinct images (the crops counter says so, not the records).
 */
class SameBytesDedupTest {

    @Test
    void repeatsAreScoredOnceAcrossWorkersAndRestartsAndMarked() throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String in = "dedup.in", scored = "dedup.scored", failed = "dedup.failed", content = "dedup.content";
        SharedKafka.broker().createTopics(2, in, scored, failed);
        int distinct = 14;
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < distinct; i++) images.add(png(i));
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", exchange -> {
            // /<copy>/<n>.png: the same bytes under every copy's URL.
            String[] parts = exchange.getRequestURI().getPath().split("/");
            byte[] body = images.get(Integer.parseInt(parts[2].replace(".png", "")));
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.start();
        String base = "http://127.0.0.1:" + http.getAddress().getPort() + "/";
        try {
            // First worker: 14 distinct images, then (once they are scored) 3 repeats of them, one repeated twice.
            List<String> originals = new ArrayList<>();
            for (int i = 0; i < distinct; i++) originals.add(base + "a/" + i + ".png");
            List<String> repeats = List.of(base + "b/0.png", base + "c/0.png", base + "b/5.png");
            double cropsFirst = runWorker(bootstrap, in, scored, failed, content, "dedup-1", List.of(originals, repeats));

            // Second worker, started after the first stopped (a restart): only repeats, known from the content topic.
            List<String> second = List.of(base + "d/1.png", base + "d/2.png", base + "d/13.png");
            double cropsSecond = runWorker(bootstrap, in, scored, failed, content, "dedup-2", List.of(second));
            List<String> first = new ArrayList<>(originals);
            first.addAll(repeats);

            Map<String, ScoredImage> byUri = new HashMap<>();
            List<String> keys = new ArrayList<>();
            for (var r : TopicReader.readCommitted(bootstrap, scored, Duration.ofSeconds(30))) {
                ScoredImage s = SCORED.decode(r.value());
                keys.add(r.key());
                byUri.put(s.getRef().getUri(), s);
            }
            assertThat(keys).hasSize(first.size() + second.size()).doesNotHaveDuplicates();
            assertThat(TopicReader.readCommitted(bootstrap, failed, Duration.ofSeconds(30))).isEmpty();
            long duplicates = byUri.values().stream().filter(s -> s.getDuplicateOf() != null).count();
            assertThat(duplicates).isEqualTo(6);
            for (String copy : List.of("b/0", "c/0", "b/5", "d/1", "d/2", "d/13")) {
                ScoredImage repeat = byUri.get(base + copy + ".png");
                String n = copy.substring(copy.indexOf('/') + 1);
                ScoredImage original = byUri.get(base + "a/" + n + ".png");
                assertThat(repeat.getDuplicateOf()).as(copy).isEqualTo(original.getRef().getId());
                assertThat(repeat.getHeads()).isEqualTo(original.getHeads());
                assertThat(repeat.getTags()).isEqualTo(original.getTags());
                assertThat(repeat.getSha256()).isEqualTo(original.getSha256());
                assertThat(repeat.getTimings().getInferUs()).isZero();
            }
            for (String n : List.of("1", "2", "13")) {
                assertThat(byUri.get(base + "d/" + n + ".png").getDuplicateOf()).as("after the restart")
                        .isEqualTo(byUri.get(base + "a/" + n + ".png").getRef().getId());
            }
            // Each image here is one crop (untiled, 96 px): the model saw 14 of the 20 references. (Repeats in flight at
            // the same moment as their first may each reach the model: the waves keep this run free of that race.)
            assertThat(cropsSecond).as("crops through CLIP after the restart").isZero();
            assertThat(cropsFirst).as("crops through CLIP in the first run").isEqualTo(distinct);
            System.out.printf("dedup: %d references, %d distinct files (30 %% repeats): CLIP crops %.0f with --dedup, "
                    + "%d without%n", keys.size(), distinct, cropsFirst + cropsSecond, keys.size());
        } finally {
            http.stop(0);
        }
    }

    /** Runs one worker over the waves of references, each published once the one before is done; the crops it ran. */
    private static double runWorker(String bootstrap, String in, String scored, String failed, String content,
                                    String id, List<List<String>> waves) throws Exception {
        WorkerConfig config = TestWorkerConfig.of(bootstrap, "dedup-workers", in, scored, failed, id, 2,
                WorkerConfig.Delivery.EXACTLY_ONCE);
        FetchConfig fetch = FetchConfig.of(FetchConfig.SETTINGS.defaults().set(FetchConfig.ALLOW_PRIVATE_ADDRESSES, true)
                .set(FetchConfig.FETCH_ATTEMPTS, 1).set(FetchConfig.RETRY_BACKOFF_MS, 100L));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ClipEmbedder clip = ClipEmbedder.load(CLIP, Device.cpu());
             Scorer scorer = new Scorer(clip, WorkerEndToEndTest.loadHeads(), CropCombine.MEAN);
             ImageFetcher fetcher = new ImageFetcher(fetch);
             ScoredContent store = new ScoredContent(KafkaSettings.of(bootstrap), content, clip.digest() + " test heads", 64L << 20)
                     .start(Duration.ofSeconds(60));
             ImagePipeline pipeline = new ImagePipeline(config, fetcher,
                     new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true), scorer,
                     Outcomes.clipModel(clip.id(), clip.digest(), clip.preprocessing().size()),
                     new WorkerMetrics(registry), List.of(), store);
             Worker worker = new Worker(config, pipeline)) {
            Thread thread = new Thread(worker::run, id);
            thread.start();
            int expected = 0;
            for (List<String> wave : waves) {
                publish(bootstrap, in, wave);
                expected += wave.size();
                int done = expected;
                await().atMost(Duration.ofSeconds(120)).until(() -> worker.stats().scored() + worker.stats().failed() >= done);
            }
            worker.stop();
            thread.join(30_000);
            assertThat(thread.isAlive()).isFalse();
        }
        return registry.get(MeterNames.WORKER_CROPS).counter().count();
    }

    private static void publish(String bootstrap, String topic, List<String> uris) {
        try (KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
            for (String uri : uris) {
                String id = dev.sieve.produce.RefIds.fromUri(uri);
                producer.send(new ProducerRecord<>(topic, id, REFS.encode(WorkerEndToEndTest.ref(id, uri))));
            }
        }
    }

    /** A distinct small picture (96x80, one crop). */
    private static byte[] png(int seed) throws Exception {
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(96, 80, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 80; y++) for (int x = 0; x < 96; x++) image.setRGB(x, y, random.nextInt(1 << 24));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
