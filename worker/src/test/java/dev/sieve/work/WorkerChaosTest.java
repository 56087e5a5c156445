package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sieve.kafka.SharedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers in their own processes, SIGKILLed at random moments while they work and restarted, over and over:
 * afterwards every reference is on images.scored or images.failed exactly once (read_committed).
 *
 * <p>Shortened for CI; a long run: {@code -Dsieve.chaos.refs=5000 -Dsieve.chaos.kills=30}. {@code
 * -Dsieve.chaos.seed=N} replays the kill choices (timing still varies).
 */
class WorkerChaosTest {
    private static final int REFS = Integer.getInteger("sieve.chaos.refs", 300);
    private static final int KILLS = Integer.getInteger("sieve.chaos.kills", 4);
    private static final int WORKERS = Integer.getInteger("sieve.chaos.workers", 2);
    private static final int BAD_RECORDS = 3;

    @TempDir
    Path tmp;

    @Test
    void killedAndRestartedWorkersLoseNothingAndDuplicateNothing() throws Exception {
        long seed = Long.getLong("sieve.chaos.seed", System.nanoTime());
        Random random = new Random(seed);
        String bootstrap = SharedKafka.bootstrapServers();
        String in = "chaos.in", scored = "chaos.scored", failed = "chaos.failed", group = "chaos-workers";
        SharedKafka.broker().createTopics(4, in, scored, failed);
        Set<String> produced = new HashSet<>();
        List<WorkerProcess> workers = new ArrayList<>();
        int kills = 0;
        try (ImageServer server = new ImageServer(List.of(WorkerEndToEndTest.SAMPLES.resolve("garden-640x480.jpg"),
                WorkerEndToEndTest.SAMPLES.resolve("sketch-500x700-grey.png"),
                WorkerEndToEndTest.SAMPLES.resolve("badge-400x400.gif")), 20);
             GroupOffsets offsets = new GroupOffsets(bootstrap)) {
            // A killed worker holds its partitions until its session expires: 8 s instead of 45 s keeps the test short.
            ConfigResource groupResource = new ConfigResource(ConfigResource.Type.GROUP, group);
            offsets.admin().incrementalAlterConfigs(Map.of(groupResource, List.of(
                    new AlterConfigOp(new ConfigEntry("consumer.session.timeout.ms", "8000"), AlterConfigOp.OpType.SET),
                    new AlterConfigOp(new ConfigEntry("consumer.heartbeat.interval.ms", "1000"), AlterConfigOp.OpType.SET))))
                    .all().get();
            try (KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
                for (int i = 0; i < REFS; i++) {
                    String id = "c" + i;
                    String uri = server.base() + (i % 20 == 0 ? "/gone/" : "/img/") + id;
                    producer.send(new ProducerRecord<>(in, id, WorkerEndToEndTest.REFS.encode(WorkerEndToEndTest.ref(id, uri))));
                    produced.add(id);
                }
                for (int i = 0; i < BAD_RECORDS; i++) {
                    producer.send(new ProducerRecord<>(in, "junk" + i, new byte[] {(byte) i, 42}));
                    produced.add("junk" + i);
                }
            }
            int total = produced.size();
            for (int w = 0; w < WORKERS; w++) workers.add(start(bootstrap, in, scored, failed, group, w));

            try {
                while (kills < KILLS) {
                    long done = offsets.committed(group, in);
                    if (done >= total) break;
                    // Kill after a random share of what is left, so the kills spread over the whole run.
                    long step = 1 + random.nextInt((int) Math.max(1, (total - done) / (KILLS - kills + 1)));
                    long target = Math.min(total, done + step);
                    await().atMost(Duration.ofSeconds(240)).until(() -> offsets.committed(group, in) >= target);
                    if (target >= total) break;
                    int victim = random.nextInt(WORKERS);
                    workers.get(victim).kill();
                    kills++;
                    // Same worker id: its transactional id fences the dead one's open transaction at once.
                    workers.set(victim, start(bootstrap, in, scored, failed, group, victim));
                }
                await().atMost(Duration.ofSeconds(300)).until(() -> offsets.committed(group, in) >= total);
                for (WorkerProcess w : workers) {
                    await().atMost(Duration.ofSeconds(120)).until(() -> w.log().contains(" consuming ") || !w.isAlive());
                    int exit = w.terminate(60);
                    assertThat(exit).as(w.log()).isZero();
                }
            } finally {
                for (WorkerProcess w : workers) if (w.isAlive()) w.kill();
            }

            Map<String, Integer> seen = new HashMap<>();
            count(WorkerEndToEndTest.readAll(bootstrap, scored), seen);
            int scoredCount = seen.values().stream().mapToInt(Integer::intValue).sum();
            count(WorkerEndToEndTest.readAll(bootstrap, failed), seen);
            int outputs = seen.values().stream().mapToInt(Integer::intValue).sum();
            Set<String> lost = new HashSet<>(produced);
            lost.removeAll(seen.keySet());
            long duplicated = seen.values().stream().filter(n -> n > 1).count();
            String report = String.format("chaos (seed %d): %d workers, %d kills survived, %d records, %d scored, "
                    + "%d failed, %d lost, %d duplicated", seed, WORKERS, kills, total, scoredCount,
                    outputs - scoredCount, lost.size(), duplicated);
            System.out.println(report);
            Files.writeString(Path.of("target", "chaos-report.txt"), report + System.lineSeparator());

            assertThat(kills).isEqualTo(KILLS);
            assertThat(lost).as(report).isEmpty();
            assertThat(duplicated).as(report).isZero();
            assertThat(seen.keySet()).as(report).isEqualTo(produced);
            assertThat(outputs - scoredCount).as("the 404s and the unreadable records fail")
                    .isEqualTo(BAD_RECORDS + (REFS + 19) / 20);
        }
    }

    private WorkerProcess start(String bootstrap, String in, String scored, String failed, String group, int n)
            throws Exception {
        return WorkerProcess.start(tmp.resolve("worker-" + n + ".log"), List.of(
                "-b", bootstrap, "--group", group, "--worker-id", "chaos-" + n, "--input-topic", in,
                "--scored-topic", scored, "--failed-topic", failed, "--allow-private-addresses",
                "--max-in-flight", "16", "--fetch-attempts", "1", "--prepare-threads", "1"));
    }

    private static void count(Collection<ConsumerRecord<String, byte[]>> records, Map<String, Integer> seen) {
        for (ConsumerRecord<String, byte[]> r : records) seen.merge(r.key(), 1, Integer::sum);
    }
}
