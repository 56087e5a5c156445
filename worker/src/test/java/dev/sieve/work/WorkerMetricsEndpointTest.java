package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.ScoredImage;
import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.decode.DecoderLibraries;
import dev.sieve.image.ImagePreparer;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.metrics.MetricsServer;
import dev.sieve.metrics.OpsMetricNames;
import dev.sieve.metrics.Scrape;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.Scorer;
import dev.sieve.sort.SortApp;
import dev.sieve.sort.SortConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scrapes /metrics and the probes of a real worker and a real sorter while they process images on the shared
 * broker, and checks that every sieve_* name ops/ (alerts, dashboard) uses is served.
 */
class WorkerMetricsEndpointTest {
    static final Path SAMPLES = WorkerEndToEndTest.SAMPLES;

    @TempDir
    Path tmp;

    @Test
    void servesTheNamesTheDashboardAndAlertsUseWithCountsThatMatchTheRun() throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String in = "metrics.in", scored = "metrics.scored", failed = "metrics.failed";
        SharedKafka.broker().createTopics(2, in, scored, failed);

        Map<String, String> uriById = new LinkedHashMap<>();
        uriById.put("garden", SAMPLES.resolve("garden-640x480.jpg").toUri().toString());
        uriById.put("harbour", SAMPLES.resolve("harbour-1920x1080.jpg").toUri().toString());
        uriById.put("sketch", SAMPLES.resolve("sketch-500x700-grey.png").toUri().toString());
        uriById.put("notes", SAMPLES.resolve("notes.txt").toUri().toString());
        uriById.put("ftp", "ftp://127.0.0.1/a.png");
        try (KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
            uriById.forEach((id, uri) -> producer.send(new ProducerRecord<>(in, id,
                    WorkerEndToEndTest.REFS.encode(WorkerEndToEndTest.ref(id, uri)))));
        }

        PrometheusMeterRegistry registry = MetricsServer.newRegistry();
        // As `sieve work` does before the model loads: the decoders it runs with are part of what it serves.
        DecoderLibraries.probe(DecodeOptions.defaults().jpegDecoder()).register(registry);
        WorkerMetrics metrics = new WorkerMetrics(registry);
        WorkerConfig config = new WorkerConfig(bootstrap, "metrics-workers", in, scored, failed, "metrics-worker", 8, 12,
                Duration.ofMillis(20), 2, Duration.ofMillis(50));
        FetchConfig fetch = FetchConfig.defaults().withTimeouts(FetchConfig.defaults().connectTimeout(), Duration.ofSeconds(10))
                .withRetries(1, FetchConfig.defaults().retryBackoff()).withFileRoot(SAMPLES).withAllowPrivateAddresses(true);
        Scrape worker;
        try (MetricsServer server = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), registry, metrics)) {
            int port = server.port();
            // Loading: live, not ready.
            assertThat(Scrape.status(port, MetricsServer.LIVE_PATH)).isEqualTo(200);
            assertThat(Scrape.status(port, MetricsServer.READY_PATH)).isEqualTo(503);
            try (ClipEmbedder clip = ClipEmbedder.load(WorkerEndToEndTest.CLIP, Device.cpu());
                 Scorer scorer = new Scorer(clip, WorkerEndToEndTest.loadHeads(), CropCombine.MEAN);
                 ImageFetcher fetcher = new ImageFetcher(fetch);
                 ImagePipeline pipeline = new ImagePipeline(config, fetcher, new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true),
                         scorer, Outcomes.clipModel(clip.id(), clip.digest(), clip.preprocessing().size()), metrics,
                         List.of());
                 Worker w = new Worker(config, pipeline)) {
                metrics.modelLoaded(Duration.ofMillis(1234));
                assertThat(Scrape.status(port, MetricsServer.READY_PATH)).as("model loaded, no partitions yet").isEqualTo(503);
                Thread thread = new Thread(w::run, "metrics-worker");
                thread.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> Scrape.status(port, MetricsServer.READY_PATH) == 200);
                await().atMost(Duration.ofSeconds(120)).until(() -> w.stats().scored() + w.stats().failed() >= uriById.size());
                worker = Scrape.of(port);
                assertThat(Scrape.status(port, MetricsServer.LIVE_PATH)).isEqualTo(200);
                w.stop();
                thread.join(30_000);
                assertThat(thread.isAlive()).isFalse();
                assertThat(Scrape.status(port, MetricsServer.LIVE_PATH)).as("after the loop ends").isEqualTo(503);
            }
        }

        // Counts are the run's: 3 scored, 2 failed by their codes; the harbour image is tiled (5 crops).
        assertThat(worker.value("sieve_worker_images_total", "outcome=\"scored\"")).isEqualTo(3);
        assertThat(worker.value("sieve_worker_images_total", "outcome=\"failed\"")).isEqualTo(2);
        assertThat(worker.value("sieve_worker_failures_total", "code=\"NOT_AN_IMAGE\"", "stage=\"decode\"")).isEqualTo(1);
        assertThat(worker.value("sieve_worker_failures_total", "code=\"UNSUPPORTED_SCHEME\"", "stage=\"fetch\"")).isEqualTo(1);
        assertThat(worker.value("sieve_worker_crops_total")).isGreaterThanOrEqualTo(1 + 5 + 1);
        assertThat(worker.value("sieve_worker_stage_seconds_count", "stage=\"infer\"")).isEqualTo(3);
        assertThat(worker.value("sieve_worker_stage_seconds_count", "stage=\"total\"")).isEqualTo(3);
        assertThat(worker.value("sieve_worker_model_load_seconds")).isEqualTo(1.234);
        assertThat(worker.value("sieve_worker_assigned_partitions")).isEqualTo(2);
        assertThat(worker.value("sieve_worker_in_flight")).isZero();
        assertThat(worker.value("sieve_worker_in_flight_bytes")).isZero();
        assertThat(worker.value("sieve_worker_consumer_lag")).isZero();
        assertThat(worker.value("sieve_worker_transactions_total", "result=\"committed\"")).isGreaterThanOrEqualTo(1);
        // Kafka's own client metrics, for the dashboard's worker Kafka panels (tagged with the worker's client ids).
        assertThat(worker.series().keySet()).anyMatch(k -> k.startsWith("kafka_producer_request_latency_avg{") && k.contains("client_id=\"sieve-worker-"))
                .anyMatch(k -> k.startsWith("kafka_consumer_fetch_manager_records_lag_max{") && k.contains("client_id=\"sieve-worker-"));

        // The sorter on the scored images: three images, each routed to at least one bucket. Bucket topics are global on
        // the shared broker, so the heads are renamed first: this test's buckets never meet the other tests'.
        String rescored = "metrics.rescored";
        SharedKafka.broker().createTopics(1, rescored);
        try (KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
            for (var r : WorkerEndToEndTest.readAll(bootstrap, scored)) {
                ScoredImage image = WorkerEndToEndTest.SCORED.decode(r.value());
                List<HeadScore> heads = image.getHeads().stream()
                        .map(h -> HeadScore.newBuilder(h).setName("MetricsTest-" + h.getName()).build()).toList();
                producer.send(new ProducerRecord<>(rescored, r.key(),
                        WorkerEndToEndTest.SCORED.encode(ScoredImage.newBuilder(image).setHeads(heads).build())));
            }
        }
        PrometheusMeterRegistry sortRegistry = MetricsServer.newRegistry();
        Scrape sorter;
        try (SortApp app = SortApp.start(new SortConfig(rescored, rescored + ".corrections", "metrics-sorter", SortConfig.defaults().rules(),
                SortConfig.Guarantee.AT_LEAST_ONCE, 1, (short) 1, 1, Optional.of(tmp.resolve("streams"))), bootstrap, sortRegistry);
             MetricsServer server = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), sortRegistry, app)) {
            int port = server.port();
            await().atMost(Duration.ofSeconds(60)).until(() -> Scrape.status(port, MetricsServer.READY_PATH) == 200);
            await().atMost(Duration.ofSeconds(60)).until(() -> Scrape.of(port).value("sieve_sort_images_total") >= 3);
            sorter = Scrape.of(port);
            assertThat(Scrape.status(port, MetricsServer.LIVE_PATH)).isEqualTo(200);
        }
        assertThat(sorter.value("sieve_sort_images_total")).isEqualTo(3);
        double routed = sorter.series().entrySet().stream().filter(e -> e.getKey().startsWith("sieve_sort_routed_total{"))
                .peek(e -> assertThat(e.getKey()).contains("bucket=\"images.bucket.MetricsTest-"))
                .mapToDouble(Map.Entry::getValue).sum();
        assertThat(routed).isGreaterThanOrEqualTo(3);
        assertThat(sorter.names()).contains("sieve_sort_untagged_total", "sieve_sort_undecodable_total",
                "sieve_sort_unroutable_total").anyMatch(n -> n.startsWith("kafka_stream_"));

        // What ops/ refers to is served by one of the two.
        Set<String> served = new TreeSet<>(worker.names());
        served.addAll(sorter.names());
        Set<String> used = OpsMetricNames.used();
        assertThat(used).as("ops/ must use sieve metrics").contains("sieve_worker_images_total", "sieve_worker_failures_total");
        assertThat(served).containsAll(used);
    }
}
