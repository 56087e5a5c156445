package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sieve.kafka.EmbeddedKafkaCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Workers (separate processes) on a three-node cluster, everything replicated three times with min ISR 2, while
 * nodes go down and come back mid-stream: first the node leading most partitions of the output topic, then the
 * active controller. Leaders move, the transaction and group coordinators move with their partitions; the workers
 * must neither lose nor (in group mode) duplicate anything. Read read_committed at the end.
 */
class MultiBrokerFailoverTest {
    private static final int REFS = Integer.getInteger("sieve.failover.refs", 150);
    private static final Duration DOWN = Duration.ofSeconds(Long.getLong("sieve.failover.down.s", 4));
    private static final int WORKERS = 2;

    private static EmbeddedKafkaCluster cluster;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startCluster() {
        cluster = EmbeddedKafkaCluster.start(3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
    }

    @ParameterizedTest(name = "{0} mode")
    @ValueSource(strings = {"group", "share"})
    void workersRideThroughLeaderAndControllerFailover(String mode) throws Exception {
        String bootstrap = cluster.bootstrapServers();
        String in = "failover-" + mode + ".in", scored = "failover-" + mode + ".scored";
        String failed = "failover-" + mode + ".failed", group = "failover-" + mode + "-workers";
        Set<String> produced = new HashSet<>();
        List<WorkerProcess> workers = new ArrayList<>();
        List<String> events = new ArrayList<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
             ImageServer server = new ImageServer(List.of(WorkerEndToEndTest.SAMPLES.resolve("garden-640x480.jpg"),
                     WorkerEndToEndTest.SAMPLES.resolve("sketch-500x700-grey.png")), 20)) {
            admin.createTopics(List.of(new NewTopic(in, 4, (short) 3), new NewTopic(scored, 4, (short) 3),
                    new NewTopic(failed, 4, (short) 3))).all().get();
            ConfigResource groupResource = new ConfigResource(ConfigResource.Type.GROUP, group);
            List<AlterConfigOp> groupConfig = mode.equals("share")
                    ? List.of(set("share.record.lock.duration.ms", "8000"), set("share.auto.offset.reset", "earliest"))
                    : List.of(set("consumer.session.timeout.ms", "8000"), set("consumer.heartbeat.interval.ms", "1000"));
            admin.incrementalAlterConfigs(Map.of(groupResource, groupConfig)).all().get();
            try (KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
                for (int i = 0; i < REFS; i++) {
                    String id = "f" + i;
                    String uri = server.base() + (i % 25 == 0 ? "/gone/" : "/img/") + id;
                    producer.send(new ProducerRecord<>(in, id, WorkerEndToEndTest.REFS.encode(WorkerEndToEndTest.ref(id, uri))));
                    produced.add(id);
                }
            }
            for (int w = 0; w < WORKERS; w++) workers.add(start(bootstrap, mode, in, scored, failed, group, w));
            try {
                // 1/3 of the way: the node that leads most partitions of the output topic goes down and comes back.
                awaitOutputs(bootstrap, scored, failed, REFS / 3);
                int leader = busiestLeader(admin.describeTopics(List.of(scored)).allTopicNames().get().get(scored));
                bounce(leader, "leader of most " + scored + " partitions", events);
                // 2/3: the active controller (the metadata quorum's leader) does the same.
                awaitOutputs(bootstrap, scored, failed, 2 * REFS / 3);
                int controller = admin.describeMetadataQuorum().quorumInfo().get().leaderId();
                bounce(controller, "active controller", events);
                awaitOutputs(bootstrap, scored, failed, REFS);
                for (WorkerProcess w : workers) assertThat(w.terminate(60)).as(w.log()).isZero();
            } finally {
                for (WorkerProcess w : workers) if (w.isAlive()) w.kill();
            }

            Map<String, Integer> seen = new HashMap<>();
            int scoredCount = count(WorkerEndToEndTest.readAll(bootstrap, scored), seen);
            int failedCount = count(WorkerEndToEndTest.readAll(bootstrap, failed), seen);
            Set<String> lost = new HashSet<>(produced);
            lost.removeAll(seen.keySet());
            long duplicated = seen.values().stream().filter(n -> n > 1).count();
            String report = String.format("failover %s mode, 3 nodes (RF 3, min ISR 2): %s; %d records, %d scored, "
                    + "%d failed, %d lost, %d duplicated", mode, String.join(", ", events), REFS, scoredCount,
                    failedCount, lost.size(), duplicated);
            System.out.println(report);
            Files.writeString(Path.of("target", "failover-" + mode + "-report.txt"), report + System.lineSeparator());
            assertThat(events).as(report).hasSize(2);
            assertThat(lost).as(report).isEmpty();
            assertThat(seen.keySet()).as(report).isEqualTo(produced);
            if (mode.equals("group")) assertThat(duplicated).as(report).isZero();
        }
    }

    private static void bounce(int node, String role, List<String> events) {
        long t0 = System.nanoTime();
        cluster.stop(node);
        await().pollDelay(DOWN).atMost(DOWN.plusSeconds(5)).until(() -> true);
        cluster.restart(node);
        events.add(String.format("node %d (%s) down and back in %.1f s", node, role, (System.nanoTime() - t0) / 1e9));
    }

    private static int busiestLeader(TopicDescription topic) {
        Map<Integer, Integer> led = new HashMap<>();
        for (TopicPartitionInfo p : topic.partitions()) {
            if (p.leader() != null) led.merge(p.leader().id(), 1, Integer::sum);
        }
        return led.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    private static void awaitOutputs(String bootstrap, String scored, String failed, int atLeast) {
        // Reads can fail while a node is away: keep asking.
        await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .until(() -> {
                    Set<String> ids = new HashSet<>();
                    for (String topic : List.of(scored, failed)) {
                        WorkerEndToEndTest.readAll(bootstrap, topic).forEach(r -> ids.add(r.key()));
                    }
                    return ids.size() >= atLeast;
                });
    }

    private WorkerProcess start(String bootstrap, String mode, String in, String scored, String failed, String group,
                                int n) throws Exception {
        return WorkerProcess.start(tmp.resolve(mode + "-worker-" + n + ".log"), List.of(
                "--mode", mode, "-b", bootstrap, "--group", group, "--worker-id", "failover-" + mode + "-" + n,
                "--input-topic", in, "--scored-topic", scored, "--failed-topic", failed, "--allow-private-addresses",
                "--max-in-flight", "16", "--fetch-attempts", "1", "--prepare-threads", "1"));
    }

    private static AlterConfigOp set(String name, String value) {
        return new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET);
    }

    private static int count(List<ConsumerRecord<String, byte[]>> records, Map<String, Integer> seen) {
        for (ConsumerRecord<String, byte[]> r : records) seen.merge(r.key(), 1, Integer::sum);
        return records.size();
    }
}
