package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sieve.kafka.SharedKafka;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read_committed reader stops at the first open transaction of a partition. So while one worker drains after
 * SIGTERM, the results the other workers commit must stay visible: the draining worker may hold a transaction open
 * only for as long as it takes to write what is ready, never while it waits for the rest of its in-flight images.
 * images.scored has one partition here, so any transaction the draining worker left open would hide everything.
 */
class DrainVisibilityTest {
    private static final String IN = "drain.in", SCORED = "drain.scored", FAILED = "drain.failed", GROUP = "drain-workers";

    @TempDir
    Path tmp;

    @Test
    void otherWorkersResultsStayVisibleWhileOneWorkerDrains() throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        SharedKafka.broker().createTopics(4, IN);
        SharedKafka.broker().createTopics(1, SCORED, FAILED);
        List<String> common = List.of("-b", bootstrap, "--group", GROUP, "--input-topic", IN, "--scored-topic", SCORED,
                "--failed-topic", FAILED, "--allow-private-addresses", "--fetch-attempts", "1",
                "--request-timeout-ms", "90000", "--metrics-port", "0");
        try (SlowSite site = new SlowSite(WorkerEndToEndTest.SAMPLES.resolve("garden-640x480.jpg"));
             GroupOffsets offsets = new GroupOffsets(bootstrap);
             Visible visible = new Visible(bootstrap);
             KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
            WorkerProcess a = WorkerProcess.start(tmp.resolve("a.log"), with(common, "--worker-id", "drain-a"));
            WorkerProcess b = WorkerProcess.start(tmp.resolve("b.log"), with(common, "--worker-id", "drain-b"));
            try {
                Map<String, List<Integer>> owned = awaitAssignment(offsets.admin(), a, b);
                List<Integer> ofA = owned.get("sieve-worker-drain-a"), ofB = owned.get("sieve-worker-drain-b");

                // A's first partition: images the site holds until the test lets go (A's drain waits for them).
                // A's second partition: images answered 1, 3 and 5 s after the SIGTERM, so A commits during its drain.
                int held = 3;
                for (int i = 0; i < held; i++) send(producer, ofA.get(0), "held-" + i, site.base() + "/held/" + i);
                for (int i = 0; i < 3; i++) {
                    send(producer, ofA.get(1), "slow-" + i, site.base() + "/slow/" + (1000 + 2000 * i) + "/" + i);
                }
                producer.flush();
                await("A fetches the held images").atMost(Duration.ofSeconds(60))
                        .until(() -> site.heldArrived.get() == held || !a.isAlive());
                assertThat(a.isAlive()).as(a.log()).isTrue();

                long sigterm = System.nanoTime();
                a.signalTerm();
                site.startSlow();
                // A commits during its drain: the first of its slow images becomes visible.
                await("A's first drain-time result is visible").atMost(Duration.ofSeconds(60)).pollInSameThread()
                        .until(() -> visible.poll().contains("slow-0") || !a.isAlive());
                assertThat(a.isAlive()).as("A is still draining (its held images are not answered)").isTrue();

                // Meanwhile B goes on: everything it commits must be visible now, not once A has left.
                long produced = System.nanoTime();
                int ofBCount = 12;
                for (int i = 0; i < ofBCount; i++) {
                    send(producer, ofB.get(i % ofB.size()), "b-" + i, site.base() + "/img/" + i);
                }
                producer.flush();
                await("B's results are visible while A drains").atMost(Duration.ofSeconds(60)).pollInSameThread()
                        .until(() -> visible.poll().containsAll(ids("b-", ofBCount)) || !a.isAlive());
                double visibleAfter = (System.nanoTime() - produced) / 1e9;
                assertThat(a.isAlive()).as("A is still draining when B's results are visible; A's log:\n" + a.log())
                        .isTrue();
                assertThat(site.heldAnswered.get()).as("A's held images were still in flight").isZero();

                site.release();
                int exit = a.terminate(60);
                double drain = (System.nanoTime() - sigterm) / 1e9;
                assertThat(exit).as(a.log()).isZero();
                System.out.printf("drain: B's %d results visible %.1f s after they were produced, while A drained "
                        + "(A exited %.1f s after SIGTERM)%n", ofBCount, visibleAfter, drain);

                // Exactly once: A finished its held images during the drain; nothing lost, nothing twice.
                List<String> all = new ArrayList<>();
                all.addAll(ids("held-", held));
                all.addAll(ids("slow-", 3));
                all.addAll(ids("b-", ofBCount));
                await().atMost(Duration.ofSeconds(60)).pollInSameThread()
                        .until(() -> visible.poll().containsAll(all));
                assertThat(visible.counts).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
                assertThat(visible.counts.keySet()).containsExactlyInAnyOrderElementsOf(all);
            } finally {
                site.release();
                if (a.isAlive()) a.kill();
                if (b.isAlive()) b.kill();
            }
        }
    }

    private static List<String> with(List<String> common, String... more) {
        List<String> args = new ArrayList<>(common);
        args.addAll(List.of(more));
        return args;
    }

    private static List<String> ids(String prefix, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) ids.add(prefix + i);
        return ids;
    }

    private static void send(KafkaProducer<String, byte[]> producer, int partition, String id, String uri) {
        producer.send(new ProducerRecord<>(IN, partition, id, WorkerEndToEndTest.REFS.encode(WorkerEndToEndTest.ref(id, uri))));
    }

    /** Until both workers are members and own two partitions each; client id → its partitions of images.in. */
    private static Map<String, List<Integer>> awaitAssignment(Admin admin, WorkerProcess a, WorkerProcess b) {
        Map<String, List<Integer>> owned = new HashMap<>();
        await("both workers own two partitions").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                .ignoreExceptions().until(() -> {
                    if (!a.isAlive() || !b.isAlive()) throw new AssertionError("a worker exited:\n" + a.log() + b.log());
                    owned.clear();
                    for (MemberDescription m : admin.describeConsumerGroups(List.of(GROUP)).all().get().get(GROUP).members()) {
                        owned.put(m.clientId(), m.assignment().topicPartitions().stream()
                                .map(TopicPartition::partition).sorted().toList());
                    }
                    return owned.size() == 2 && owned.values().stream().allMatch(p -> p.size() == 2);
                });
        return owned;
    }

    /**
     * A loopback site: {@code /img/N} answers at once, {@code /slow/MS/N} MS ms after the test calls
     * {@link #startSlow()}, {@code /held/N} only once the test calls {@link #release()} (each at most 90 s).
     */
    private static final class SlowSite implements AutoCloseable {
        final AtomicInteger heldArrived = new AtomicInteger();
        final AtomicInteger heldAnswered = new AtomicInteger();
        private final CountDownLatch released = new CountDownLatch(1);
        private final CountDownLatch slowStarted = new CountDownLatch(1);
        private final HttpServer server;
        private final ExecutorService threads = Executors.newCachedThreadPool();
        private final byte[] image;

        SlowSite(Path image) throws IOException {
            this.image = Files.readAllBytes(image);
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(threads);
            server.createContext("/img/", this::answer);
            server.createContext("/slow/", exchange -> {
                String[] parts = exchange.getRequestURI().getPath().split("/");
                pause(() -> slowStarted.await(90, TimeUnit.SECONDS));
                pause(() -> Thread.sleep(Long.parseLong(parts[2]))); // the site's latency, not synchronisation
                answer(exchange);
            });
            server.createContext("/held/", exchange -> {
                heldArrived.incrementAndGet();
                pause(() -> released.await(90, TimeUnit.SECONDS));
                heldAnswered.incrementAndGet();
                answer(exchange);
            });
            server.start();
        }

        private interface Wait {
            void run() throws InterruptedException;
        }

        private static void pause(Wait wait) {
            try {
                wait.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void answer(HttpExchange exchange) throws IOException {
            try (exchange) {
                exchange.sendResponseHeaders(200, image.length);
                exchange.getResponseBody().write(image);
            }
        }

        String base() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        void startSlow() {
            slowStarted.countDown();
        }

        void release() {
            slowStarted.countDown();
            released.countDown();
        }

        @Override
        public void close() {
            release();
            server.stop(0);
            threads.shutdownNow();
        }
    }

    /** images.scored and images.failed as a read_committed reader sees them now: id → times seen. */
    private static final class Visible implements AutoCloseable {
        final Map<String, Integer> counts = new HashMap<>();
        private final KafkaConsumer<String, byte[]> consumer;

        Visible(String bootstrap) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> parts = List.of(new TopicPartition(SCORED, 0), new TopicPartition(FAILED, 0));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
        }

        Set<String> poll() {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) counts.merge(r.key(), 1, Integer::sum);
            return counts.keySet();
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
