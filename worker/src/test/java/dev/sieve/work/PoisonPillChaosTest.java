package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static dev.sieve.kafka.LengthBombs.concat;
import static dev.sieve.kafka.LengthBombs.varint;

import dev.sieve.avro.FailedImage;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.Stage;
import dev.sieve.kafka.EmbeddedKafka;
import dev.sieve.kafka.LengthBombs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poison records of every kind found, mixed into a stream of good ones, read by two `sieve work` processes in
 * consumer-group and in share-group mode: every good record is scored (once in group mode), every poison ends on
 * images.failed with stage, code and message, every partition drains, and no worker exits.
 *
 * <p>Before bounded decoding and bounded outputs, a length bomb ended each worker that read it with an
 * OutOfMemoryError (and the next one, and the next), and an oversized output made its worker abort and replay its
 * transaction for ever. Short for CI; a long run is {@code scripts/bench poison} ({@code -Dsieve.poison.refs=N
 * -Dsieve.poison.copies=N}, {@code -Dsieve.poison.seed=N} replays the mix).
 */
class PoisonPillChaosTest {
    private static final int REFS = Integer.getInteger("sieve.poison.refs", 60);
    private static final int COPIES = Integer.getInteger("sieve.poison.copies", 1);
    private static final int WORKERS = 2;

    @TempDir
    Path tmp;

    /** One kind of poison: its key and value for copy n, and what its failure must say. */
    private record Poison(String kind, IntFunction<String> key, IntFunction<byte[]> value, String messageHas) {}

    private static List<Poison> poisons() {
        byte[] noise = new byte[150_000];
        new Random(13).nextBytes(noise);
        String incompressible = Base64.getEncoder().encodeToString(noise);
        return List.of(
                // Scrapers emit huge data: URIs, and the failure message repeats the URI: 1.2 MB to write.
                new Poison("huge-uri", n -> "huge-uri-" + n,
                        n -> encode(ref("huge-uri-" + n, "data:image/png;base64," + "A".repeat(600_000))), "uri is"),
                // An unreadable value under a 700 KB key: the key was the failure's id and key, written twice.
                new Poison("huge-key", n -> n + "k".repeat(700_000), n -> new byte[] {1, 2, 3}, "not an ImageRef"),
                // 15 bytes asking Avro for a 2 GiB string: an OutOfMemoryError in every worker that read it.
                new Poison("string-bomb", n -> "string-bomb-" + n, n -> concat(header(), varint(LengthBombs.HUGE)),
                        "not an ImageRef"),
                new Poison("map-bomb", n -> "map-bomb-" + n,
                        n -> concat(header(), new byte[] {0, 0, 0}, varint(LengthBombs.HUGE), new byte[] {2, 'k', 2, 'v'}),
                        "not an ImageRef"),
                new Poison("null-value", n -> "null-value-" + n, n -> null, "no value"),
                new Poison("long-id", n -> "long-id-" + n + "x".repeat(5000),
                        n -> encode(ref("long-id-" + n + "x".repeat(5000), "https://127.0.0.1/x.png")),
                        "id is"),
                // Incompressible, so that even zstd does not bring its output under the limit.
                new Poison("huge-attributes", n -> "huge-attributes-" + n, n -> {
                    ImageRef r = ref("huge-attributes-" + n, "https://127.0.0.1/x.png");
                    r.setAttributes(Map.of("caption", incompressible));
                    return encode(r);
                }, "attributes are"));
    }

    @Test
    void poisonRecordsInGroupModeEndOnFailedAndNoWorkerExits() throws Exception {
        run("group");
    }

    @Test
    void poisonRecordsInShareModeEndOnFailedAndNoWorkerExits() throws Exception {
        run("share");
    }

    private void run(String mode) throws Exception {
        long seed = Long.getLong("sieve.poison.seed", System.nanoTime());
        Random random = new Random(seed);
        try (EmbeddedKafka broker = EmbeddedKafka.start(0);
             ImageServer server = new ImageServer(List.of(WorkerEndToEndTest.SAMPLES.resolve("garden-640x480.jpg"),
                     WorkerEndToEndTest.SAMPLES.resolve("badge-400x400.gif")), 0);
             GroupOffsets offsets = new GroupOffsets(broker.bootstrapServers())) {
            String bootstrap = broker.bootstrapServers();
            String in = "poison.in", scored = "poison.scored", failed = "poison.failed", group = "poison-" + mode;
            EmbeddedKafka.createTopics(bootstrap, 4, List.of(in, scored, failed));
            if (mode.equals("share")) {
                offsets.admin().incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group),
                        List.of(new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"),
                                AlterConfigOp.OpType.SET)))).all().get();
            }
            // Good records, with each poison's copies at random places among them.
            List<String> good = new ArrayList<>();
            Map<String, Poison> poisoned = new LinkedHashMap<>();
            List<Object[]> stream = new ArrayList<>();
            for (int i = 0; i < REFS; i++) {
                String id = "good-" + i;
                good.add(id);
                stream.add(new Object[] {id, encode(ref(id, server.base() + "/img/" + id))});
            }
            for (Poison p : poisons()) {
                for (int n = 0; n < COPIES; n++) {
                    stream.add(random.nextInt(stream.size() + 1), new Object[] {p.key().apply(n), p.value().apply(n)});
                    poisoned.put(FieldBounds.text(p.key().apply(n), FieldBounds.ID_BYTES), p);
                }
            }
            try (KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
                for (Object[] r : stream) producer.send(new ProducerRecord<>(in, (String) r[0], (byte[]) r[1]));
            }
            int total = stream.size();

            List<WorkerProcess> workers = new ArrayList<>();
            Map<String, Integer> scoredWrites = new HashMap<>();
            Map<String, List<FailedImage>> failures = new HashMap<>();
            String report;
            try {
                for (int w = 0; w < WORKERS; w++) {
                    workers.add(WorkerProcess.start(tmp.resolve(mode + "-worker-" + w + ".log"), List.of("--mode", mode,
                            "-b", bootstrap, "--group", group, "--worker-id", "poison-" + mode + "-" + w,
                            "--input-topic", in, "--scored-topic", scored, "--failed-topic", failed,
                            "--allow-private-addresses", "--max-in-flight", "16", "--fetch-attempts", "1",
                            "--prepare-threads", "1")));
                }
                long started = System.nanoTime();
                await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> distinctOutputs(bootstrap, scored, failed) >= total
                                || workers.stream().anyMatch(w -> !w.isAlive()));
                if (mode.equals("group")) {
                    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> offsets.committed(group, in) >= total
                            || workers.stream().anyMatch(w -> !w.isAlive()));
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                for (WorkerProcess w : workers) {
                    assertThat(w.isAlive()).as("worker alive after the stream; its log:%n%s", tail(w)).isTrue();
                    assertThat(w.log()).doesNotContain("OutOfMemoryError");
                }
                for (ConsumerRecord<String, byte[]> r : WorkerEndToEndTest.readAll(bootstrap, scored)) {
                    scoredWrites.merge(r.key(), 1, Integer::sum);
                }
                for (ConsumerRecord<String, byte[]> r : WorkerEndToEndTest.readAll(bootstrap, failed)) {
                    failures.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(WorkerEndToEndTest.FAILED.decode(r.value()));
                }
                report = String.format("poison chaos %s mode (seed %d): %d workers, %d good records, %d poison records "
                        + "(%d kinds x %d), %d scored writes, %d failed writes, all outputs in %.1f s, no worker exited",
                        mode, seed, WORKERS, good.size(), poisoned.size(), poisons().size(), COPIES,
                        scoredWrites.values().stream().mapToInt(Integer::intValue).sum(),
                        failures.values().stream().mapToInt(List::size).sum(), seconds);
                for (WorkerProcess w : workers) assertThat(w.terminate(60)).as(tail(w)).isZero();
            } finally {
                for (WorkerProcess w : workers) if (w.isAlive()) w.kill();
            }
            System.out.println(report);
            Files.writeString(Path.of("target", "poison-" + mode + "-report.txt"), report + System.lineSeparator());

            assertThat(scoredWrites.keySet()).as(report).containsExactlyInAnyOrderElementsOf(good);
            assertThat(failures.keySet()).as(report).containsExactlyInAnyOrderElementsOf(poisoned.keySet());
            if (mode.equals("group")) {
                assertThat(scoredWrites.values()).as("exactly once: " + report).allMatch(n -> n == 1);
                assertThat(failures.values()).as("exactly once: " + report).allMatch(f -> f.size() == 1);
                assertThat(offsets.committed(group, in)).as("every partition drained").isEqualTo(total);
            }
            for (var e : failures.entrySet()) {
                Poison p = poisoned.get(e.getKey());
                for (FailedImage f : e.getValue()) {
                    assertThat(f.getStage()).as(p.kind()).isEqualTo(Stage.INPUT);
                    assertThat(f.getCode()).as(p.kind()).isEqualTo(FailureCode.BAD_REFERENCE);
                    assertThat(f.getMessage()).as(p.kind()).contains(p.messageHas());
                }
            }
        }
    }

    private static String tail(WorkerProcess w) {
        try {
            String log = w.log();
            return log.substring(Math.max(0, log.length() - 4000));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static long distinctOutputs(String bootstrap, String scored, String failed) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (String topic : List.of(scored, failed)) WorkerEndToEndTest.readAll(bootstrap, topic).forEach(r -> ids.add(r.key()));
        return ids.size();
    }

    private static ImageRef ref(String id, String uri) {
        return ImageRef.newBuilder().setId(id).setUri(uri).setSource("poison").setAttributes(new HashMap<>())
                .setProducedAt(Instant.now()).build();
    }

    private static byte[] encode(ImageRef ref) {
        return WorkerEndToEndTest.REFS.encode(ref);
    }

    private static byte[] header() {
        return LengthBombs.header(WorkerEndToEndTest.REFS, ref("", ""));
    }

}
