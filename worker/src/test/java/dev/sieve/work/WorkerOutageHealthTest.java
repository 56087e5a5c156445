package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sieve.kafka.EmbeddedKafka;
import dev.sieve.metrics.MetricsServer;
import dev.sieve.metrics.Scrape;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The liveness chaos case: a worker process with its health endpoint up loses its broker mid-stream for longer than
 * its loop-stall bound (the bound that, counted from the last poll-loop round, used to turn /health/live 503 about a
 * minute into an outage). It stays live, turns not ready, and when the broker returns it is ready again and every
 * reference ends on images.scored or images.failed exactly once. With {@code --log-format JSON}, every line it wrote
 * is one JSON object, and Kafka's reconnect warnings are thinned out.
 */
class WorkerOutageHealthTest {
    private static final int REFS = 120;
    /** The configured loop-stall bound: the outage lasts well past it. */
    private static final int LOOP_STALL_S = 5;
    private static final int KAFKA_SILENCE_S = 5;
    private static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("sieve.outage.s", 4L * LOOP_STALL_S));
    /** Per shape and minute one line gets through; an outage of this length makes a dozen shapes at most. */
    private static final int MAX_KAFKA_WARNINGS = 30;

    @TempDir
    Path tmp;

    @Test
    void brokerOutageLeavesTheWorkerLiveAndNotReadyAndItResumesLosingNothing() throws Exception {
        SoftAssertions softly = new SoftAssertions();
        try (EmbeddedKafka broker = EmbeddedKafka.start(0);
             ImageServer images = new ImageServer(List.of(WorkerEndToEndTest.SAMPLES.resolve("garden-640x480.jpg"),
                     WorkerEndToEndTest.SAMPLES.resolve("sketch-500x700-grey.png")), 50)) {
            String bootstrap = broker.bootstrapServers();
            String in = "outage.in", scored = "outage.scored", failed = "outage.failed";
            broker.createTopics(2, in, scored, failed);
            try (KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
                for (int i = 0; i < REFS; i++) {
                    String id = "o" + i;
                    producer.send(new ProducerRecord<>(in, id, WorkerEndToEndTest.REFS.encode(
                            WorkerEndToEndTest.ref(id, images.base() + (i % 10 == 0 ? "/gone/" : "/img/") + id))));
                }
            }
            int port = freePort();
            WorkerProcess worker = WorkerProcess.start(tmp.resolve("worker.log"), List.of("-b", bootstrap,
                    "--group", "outage-workers", "--worker-id", "outage-0", "--input-topic", in, "--scored-topic", scored,
                    "--failed-topic", failed, "--allow-private-addresses", "--fetch-attempts", "1",
                    "--prepare-threads", "1", "--max-in-flight", "8", "--metrics-port", String.valueOf(port),
                    "--log-format", "JSON", "--health-loop-stall-s", String.valueOf(LOOP_STALL_S),
                    "--health-kafka-silence-s", String.valueOf(KAFKA_SILENCE_S)));
            ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor();
            try {
                await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
                        .until(() -> Scrape.status(port, MetricsServer.READY_PATH) == 200 || !worker.isAlive());
                assertThat(worker.isAlive()).as(worker.log()).isTrue();
                // Mid-stream: some results written, more in flight, a transaction about to commit.
                await().atMost(Duration.ofSeconds(120)).until(() -> outputs(bootstrap, scored, failed).size() >= REFS / 6);

                broker.stop();
                List<Integer> liveDuringOutage = new CopyOnWriteArrayList<>();
                prober.scheduleAtFixedRate(() -> liveDuringOutage.add(status(port, MetricsServer.LIVE_PATH)),
                        0, 250, TimeUnit.MILLISECONDS);
                softly.assertThatCode(() -> await().atMost(Duration.ofSeconds(KAFKA_SILENCE_S + 20L))
                        .until(() -> status(port, MetricsServer.READY_PATH) == 503)).as("turns not ready").doesNotThrowAnyException();
                await().pollDelay(OUTAGE).atMost(OUTAGE.plusSeconds(5)).until(() -> true);
                prober.shutdown();
                prober.awaitTermination(10, TimeUnit.SECONDS);
                softly.assertThat(liveDuringOutage).as("/health/live every 250 ms through a %d s outage (loop-stall bound %d s)",
                        OUTAGE.toSeconds(), LOOP_STALL_S).hasSizeGreaterThan(10).containsOnly(200);
                softly.assertThat(status(port, MetricsServer.READY_PATH)).as("ready while the broker is down").isEqualTo(503);

                broker.restart();
                await().atMost(Duration.ofSeconds(180)).until(() -> status(port, MetricsServer.READY_PATH) == 200 || !worker.isAlive());
                softly.assertThat(worker.isAlive()).as("the worker rode through the outage").isTrue();
                await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                        .until(() -> outputs(bootstrap, scored, failed).keySet().size() >= REFS || !worker.isAlive());
                softly.assertThat(worker.terminate(60)).as("exit code after SIGTERM").isZero();
            } finally {
                prober.shutdownNow();
                if (worker.isAlive()) worker.kill();
            }

            Map<String, Integer> seen = outputs(bootstrap, scored, failed);
            softly.assertThat(seen).as("every reference once on images.scored or images.failed").hasSize(REFS);
            softly.assertThat(seen.values()).as("written exactly once").containsOnly(1);

            String log = worker.log();
            Files.writeString(Path.of("target", "outage-worker.log"), log);
            softly.assertThat(log).as("messages are in the JSON lines")
                    .contains("\"formattedMessage\":\"worker outage-0 consuming outage.in as group outage-workers\"");
            List<String> notJson = new ArrayList<>();
            int kafkaWarnings = 0;
            for (String line : log.split("\n")) {
                if (line.isBlank()) continue;
                JsonObject o;
                try {
                    o = JsonParser.parseString(line).getAsJsonObject();
                } catch (RuntimeException e) {
                    notJson.add(line);
                    continue;
                }
                if (o.has("loggerName") && o.get("loggerName").getAsString().startsWith("org.apache.kafka")
                        && o.get("level").getAsString().equals("WARN")) {
                    kafkaWarnings++;
                }
            }
            softly.assertThat(notJson).as("lines that are not one JSON object").isEmpty();
            softly.assertThat(kafkaWarnings).as("Kafka WARN lines through a %d s outage", OUTAGE.toSeconds())
                    .isBetween(1, MAX_KAFKA_WARNINGS);
            System.out.printf("outage %d s: %d Kafka WARN lines among %d log lines (target/outage-worker.log)%n",
                    OUTAGE.toSeconds(), kafkaWarnings, log.split("\n").length);
        }
        softly.assertAll();
    }

    private static int status(int port, String path) {
        try {
            return Scrape.status(port, path);
        } catch (Exception e) {
            return -1;
        }
    }

    /** Id to how many times it is on either output topic (read_committed). */
    private static Map<String, Integer> outputs(String bootstrap, String scored, String failed) {
        Map<String, Integer> seen = new HashMap<>();
        for (String topic : List.of(scored, failed)) {
            for (ConsumerRecord<String, byte[]> r : WorkerEndToEndTest.readAll(bootstrap, topic)) seen.merge(r.key(), 1, Integer::sum);
        }
        return seen;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
