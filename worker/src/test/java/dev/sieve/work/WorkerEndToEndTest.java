package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import dev.sieve.avro.FailedImage;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.HeadKind;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.Stage;
import dev.sieve.avro.Tag;
import dev.sieve.cli.Sieve;
import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.ImagePreparer;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.model.CityHead;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.Scorer;
import dev.sieve.avro.CropCombine;
import dev.sieve.export.ExportConfig;
import dev.sieve.export.ExportResult;
import dev.sieve.export.Exporter;
import dev.sieve.sort.BucketNames;
import dev.sieve.sort.SortApp;
import dev.sieve.sort.SortConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The whole path on real parts: a loopback HTTP server serves the sample images, references go onto a real
 * broker, a real worker scores them with the fixture models through libtorch, the real sorter routes them.
 */
class WorkerEndToEndTest {
    static final Path REPO = Path.of(System.getProperty("sieve.repo", "..")).toAbsolutePath().normalize();
    static final Path SAMPLES = REPO.resolve("scripts/samples");
    static final Path CLIP = REPO.resolve("models/fixtures/clip-tiny-336/clip-tiny-336.pt");
    static final Path HEADS = REPO.resolve("models/fixtures/heads");
    static final AvroSerde<ImageRef> REFS = AvroSerde.of(ImageRef.class);
    static final AvroSerde<ScoredImage> SCORED = AvroSerde.of(ScoredImage.class);
    static final AvroSerde<FailedImage> FAILED = AvroSerde.of(FailedImage.class);

    static HttpServer http;
    static String base;

    @TempDir
    Path tmp;

    @BeforeAll
    static void serveSamples() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/img/", exchange -> {
            Path file = SAMPLES.resolve(exchange.getRequestURI().getPath().substring("/img/".length())).normalize();
            if (!file.startsWith(SAMPLES) || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                byte[] body = Files.readAllBytes(file);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        http.start();
        base = "http://127.0.0.1:" + http.getAddress().getPort() + "/img/";
    }

    @AfterAll
    static void stopServer() {
        http.stop(0);
    }

    static List<Path> sampleFiles() throws IOException {
        try (Stream<Path> s = Files.list(SAMPLES)) {
            return s.filter(p -> !p.getFileName().toString().endsWith(".md")).sorted().toList();
        }
    }

    @Test
    void everyReferenceEndsOnceScoredAsOfflineOrFailedWithAReasonAndIsSorted() throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String in = "e2e.in", scored = "e2e.scored", failed = "e2e.failed";
        SharedKafka.broker().createTopics(3, in, scored, failed);

        // Every sample over HTTP (two of them are not images), plus references that must fail before any fetch.
        Map<String, String> uriById = new LinkedHashMap<>();
        for (Path f : sampleFiles()) uriById.put("http-" + f.getFileName(), base + f.getFileName());
        uriById.put("missing", base + "no-such-image.png");
        uriById.put("ftp", "ftp://127.0.0.1/a.png");
        uriById.put("outside-root", REPO.resolve("pom.xml").toUri().toString());
        uriById.put("file-ok", SAMPLES.resolve("garden-640x480.jpg").toUri().toString());
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            uriById.forEach((id, uri) -> producer.send(new ProducerRecord<>(in, id, REFS.encode(ref(id, uri)))));
            producer.send(new ProducerRecord<>(in, "junk", new byte[] {1, 2, 3}));
        }
        int expected = uriById.size() + 1;

        WorkerConfig config = new WorkerConfig(bootstrap, "e2e-workers", in, scored, failed, "e2e-worker", 8, 12,
                Duration.ofMillis(20), 2, Duration.ofMillis(50));
        FetchConfig fetch = FetchConfig.defaults().withFileRoot(SAMPLES).withAllowPrivateAddresses(true)
                .withRetries(1, Duration.ofMillis(100)).withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10));
        try (ClipEmbedder clip = ClipEmbedder.load(CLIP, Device.cpu());
             Scorer scorer = new Scorer(clip, loadHeads(), CropCombine.MEAN);
             ImageFetcher fetcher = new ImageFetcher(fetch);
             ImagePipeline pipeline = new ImagePipeline(config, fetcher,
                     new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true), scorer,
                     Outcomes.clipModel(clip.id(), clip.digest(), clip.preprocessing().size()));
             Worker worker = new Worker(config, pipeline)) {
            Thread thread = new Thread(worker::run, "e2e-worker");
            thread.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> worker.stats().scored() + worker.stats().failed() >= expected);
            worker.stop();
            thread.join(30_000);
            assertThat(thread.isAlive()).isFalse();
        }

        // Exactly once: everything committed, read back to the end, each id once, on one of the two topics.
        Map<String, ScoredImage> scoredById = new HashMap<>();
        Map<String, FailedImage> failedById = new HashMap<>();
        List<String> ids = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : readAll(bootstrap, scored)) {
            ids.add(r.key());
            scoredById.put(r.key(), SCORED.decode(r.value()));
        }
        for (ConsumerRecord<String, byte[]> r : readAll(bootstrap, failed)) {
            ids.add(r.key());
            failedById.put(r.key(), FAILED.decode(r.value()));
        }
        assertThat(ids).hasSize(expected).doesNotHaveDuplicates();

        assertFailed(failedById.get("http-notes.txt"), Stage.DECODE, FailureCode.NOT_AN_IMAGE);
        assertFailed(failedById.get("missing"), Stage.FETCH, FailureCode.NOT_FOUND);
        assertFailed(failedById.get("ftp"), Stage.FETCH, FailureCode.UNSUPPORTED_SCHEME);
        assertFailed(failedById.get("outside-root"), Stage.FETCH, FailureCode.OUTSIDE_ROOT);
        assertFailed(failedById.get("junk"), Stage.INPUT, FailureCode.BAD_REFERENCE);
        assertThat(scoredById).containsKeys("http-harbour-1920x1080.jpg", "http-lantern-800x1200-rgba.png",
                "http-garden-640x480.jpg", "http-sketch-500x700-grey.png", "http-badge-400x400.gif",
                "http-street-900x760.webp", "file-ok");
        assertThat(scoredById.get("http-harbour-1920x1080.jpg").getTiled()).isTrue();
        assertThat(scoredById.get("http-garden-640x480.jpg").getTiled()).isFalse();

        // Same scores as `sieve score` on the same files (batching with other images must not change a score).
        Map<String, JsonObject> offline = scoreOffline(sampleFiles());
        for (var e : scoredById.entrySet()) {
            String file = Path.of(java.net.URI.create(e.getValue().getRef().getUri()).getPath()).getFileName().toString();
            JsonObject expectedJson = offline.get(file);
            assertThat(expectedJson).as("offline score of %s", file).isNotNull();
            assertThat(e.getValue().getWidth()).isEqualTo(expectedJson.get("width").getAsInt());
            assertThat(e.getValue().getTiled()).isEqualTo(expectedJson.get("tiled").getAsBoolean());
            for (HeadScore h : e.getValue().getHeads()) {
                for (LabelScore l : h.getLabels()) {
                    double want = h.getKind() == HeadKind.SCORE
                            ? expectedJson.getAsJsonObject("heads").get(h.getName()).getAsDouble()
                            : expectedJson.getAsJsonObject("heads").getAsJsonObject(h.getName()).get(l.getLabel()).getAsDouble();
                    assertThat(l.getProbability()).as("%s %s %s", file, h.getName(), l.getLabel())
                            .isCloseTo(want, org.assertj.core.data.Offset.offset(1e-5));
                }
            }
        }

        // The sorter puts every scored id into the bucket of each classifier's top label.
        try (SortApp sorter = SortApp.start(new SortConfig(scored, scored + ".corrections", "e2e-sorter", SortConfig.defaults().rules(),
                SortConfig.Guarantee.EXACTLY_ONCE_V2, 1, (short) 1, 1, Optional.of(tmp.resolve("streams"))), bootstrap)) {
            Map<String, List<String>> expectedBuckets = new HashMap<>();
            for (ScoredImage s : scoredById.values()) {
                for (Tag t : s.getTags()) {
                    expectedBuckets.computeIfAbsent(BucketNames.topic(t.getHead(), t.getLabel()), k -> new ArrayList<>())
                            .add(s.getRef().getId());
                }
            }
            assertThat(expectedBuckets).isNotEmpty();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                for (var b : expectedBuckets.entrySet()) {
                    List<String> got = readAll(bootstrap, b.getKey()).stream().map(ConsumerRecord::key).toList();
                    assertThat(got).as(b.getKey()).containsExactlyInAnyOrderElementsOf(b.getValue());
                }
            });

            // Export materialises one folder per bucket: links for file: images, every id in the manifest.
            Path out = tmp.resolve("export");
            ExportResult export = Exporter.run(ExportConfig.defaults().withOut(out).withFileRoot(SAMPLES)
                    .withBuckets(java.util.regex.Pattern.compile("images\\.bucket\\.TestAnime.*")), bootstrap);
            assertThat(export.report().totalImages()).isEqualTo(scoredById.size());
            for (ScoredImage s : scoredById.values()) {
                for (Tag t : s.getTags()) {
                    Path bucketDir = out.resolve(t.getHead()).resolve(t.getLabel());
                    assertThat(Files.readAllLines(bucketDir.resolve("manifest.tsv")))
                            .anyMatch(line -> line.startsWith(s.getRef().getId() + "\t" + s.getRef().getUri() + "\t"));
                }
            }
            ScoredImage local = scoredById.get("file-ok");
            Path link = out.resolve(local.getTags().get(0).getHead()).resolve(local.getTags().get(0).getLabel())
                    .resolve("file-ok.jpg");
            assertThat(Files.isSymbolicLink(link)).isTrue();
            assertThat(Files.readAllBytes(link)).isEqualTo(Files.readAllBytes(SAMPLES.resolve("garden-640x480.jpg")));
            assertThat(out.resolve("report.txt")).content().contains("Class ratios");
        }
    }

    private static void assertFailed(FailedImage f, Stage stage, FailureCode code) {
        assertThat(f).isNotNull();
        assertThat(f.getStage()).as(f.getMessage()).isEqualTo(stage);
        assertThat(f.getCode()).as(f.getMessage()).isEqualTo(code);
        assertThat(f.getMessage()).isNotBlank();
    }

    static List<CityHead> loadHeads() throws IOException {
        List<CityHead> heads = new ArrayList<>();
        try (Stream<Path> s = Files.list(HEADS)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList()) {
                heads.add(CityHead.load(p, Device.cpu()));
            }
        }
        return heads;
    }

    /** Runs `sieve score --json` in-process and keys its lines by file name. */
    static Map<String, JsonObject> scoreOffline(List<Path> files) {
        StringWriter out = new StringWriter();
        List<String> args = new ArrayList<>(List.of("score", "--json", "--clip", CLIP.toString(), "--heads-dir", HEADS.toString()));
        files.forEach(f -> args.add(f.toString()));
        Sieve.commandLine().setOut(new PrintWriter(out, true)).execute(args.toArray(String[]::new));
        Map<String, JsonObject> byFile = new HashMap<>();
        for (String line : out.toString().split("\n")) {
            if (line.isBlank()) continue;
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            if (o.has("heads")) byFile.put(Path.of(o.get("file").getAsString()).getFileName().toString(), o);
        }
        return byFile;
    }

    static ImageRef ref(String id, String uri) {
        return ImageRef.newBuilder().setId(id).setUri(uri).setSource("e2e").setAttributes(Map.of("case", id))
                .setProducedAt(Instant.now()).build();
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** Everything committed on a topic, from the beginning to its end offsets now. */
    static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic) {
        return dev.sieve.kafka.TopicReader.readCommitted(bootstrap, topic, Duration.ofSeconds(30));
    }

}
