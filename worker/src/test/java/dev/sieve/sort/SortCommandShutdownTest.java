package dev.sieve.sort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sieve.avro.ScoredImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.EmbeddedKafka;
import dev.sieve.metrics.MetricsServer;
import dev.sieve.metrics.Scrape;
import dev.sieve.work.WorkerProcess;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `sieve sort` in its own process loses its broker mid-stream: it stays live and turns not ready, and SIGTERM then
 * makes it exit within its close bound (before the bound it was still running 90 s after SIGTERM).
 */
class SortCommandShutdownTest {
    private static final int IMAGES = 30_000;
    /** A progress line with at least one image sorted. */
    private static final Pattern SORTED_SOME = Pattern.compile("sorted [1-9][0-9]* images");

    @TempDir
    Path tmp;

    @Test
    void sigtermDuringABrokerOutageExitsWithinTheCloseBound() throws Exception {
        // Its own broker: stopping the shared one would break every other test class of this JVM.
        try (EmbeddedKafka broker = EmbeddedKafka.start(0)) {
            String bootstrap = broker.bootstrapServers();
            broker.createTopics(1, "shutdown.scored");
            try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
                    new StringSerializer(), new ByteArraySerializer())) {
                // Enough that the broker goes down while the sorter is mid-stream, with a transaction open.
                for (int i = 0; i < IMAGES; i++) {
                    ScoredImage image = ScoredImages.of("s" + i, "file:///s" + i + ".png")
                            .classifier("ShutdownHead", i % 2 == 0 ? "Yes" : "No", 0.75, i % 2 == 0 ? "No" : "Yes", 0.25).build();
                    producer.send(new ProducerRecord<>("shutdown.scored", "s" + i, AvroSerde.of(ScoredImage.class).encode(image)));
                }
            }
            int port;
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
            WorkerProcess sorter = WorkerProcess.sieve(tmp.resolve("sort.log"), List.of("sort", "-b", bootstrap,
                    "--input-topic", "shutdown.scored", "--application-id", "shutdown-sorter",
                    "--metrics-port", String.valueOf(port), "--health-kafka-silence-s", "5",
                    "--state-dir", tmp.resolve("streams").toString(), "--report-interval-s", "1"));
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> SORTED_SOME.matcher(sorter.log()).find() || !sorter.isAlive());
                assertThat(sorter.isAlive()).as(sorter.log()).isTrue();
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> Scrape.status(port, MetricsServer.READY_PATH) == 200);

                broker.stop();
                // An outage makes the sorter not ready, never not live.
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> Scrape.status(port, MetricsServer.READY_PATH) == 503);
                assertThat(Scrape.status(port, MetricsServer.LIVE_PATH)).as("live during the outage").isEqualTo(200);
                long start = System.nanoTime();
                int exit = sorter.terminate(90);
                Duration took = Duration.ofNanos(System.nanoTime() - start);

                assertThat(exit).as("still running 90 s after SIGTERM; log:%n%s", sorter.log()).isNotEqualTo(-1);
                // The default bound (20 s) plus the JVM's own exit.
                assertThat(took).as(sorter.log()).isLessThan(Duration.ofSeconds(35));
                assertThat(sorter.log()).contains("sorter did not stop within 20 s");
                System.out.printf("sieve sort exited %d, %d ms after SIGTERM, its broker down%n", exit, took.toMillis());
            } finally {
                if (sorter.isAlive()) sorter.kill();
            }
        }
    }
}
