package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sieve.kafka.EmbeddedKafka;
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
import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.Tag;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.sort.BucketNames;
import dev.sieve.sort.SortApp;
import dev.sieve.sort.SortConfig;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
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
 * afterwards every reference is on images.scored or images.failed exactly once (read_committed) in consumer-group
 * mode; in share mode at least once there, and — after the real sorter ({@link SortApp}) has read images.scored —
 * exactly once in each bucket an image belongs to.
 *
 * <p>A third case gives the group mode its own broker and restarts that broker mid-stream (same ports, same data),
 * besides killing workers: the workers ride through the outage and the count is still exactly once.
 *
 * <p>Shortened for CI; a long run: {@code -Dsieve.chaos.refs=5000 -Dsieve.chaos.kills=30} (share mode:
 * {@code sieve.chaos.share.refs}, {@code sieve.chaos.share.kills}; broker restarts: {@code
 * sieve.chaos.restart.refs}, {@code sieve.chaos.restart.kills}, {@code sieve.chaos.restarts}, and how long the broker
 * stays down, {@code sieve.chaos.restart.downtime.s}). {@code
 * -Dsieve.chaos.seed=N} replays the kill choices (timing still varies).
 */
class WorkerChaosTest {
    private static final int REFS = Integer.getInteger("sieve.chaos.refs", 300);
    private static final int KILLS = Integer.getInteger("sieve.chaos.kills", 4);
    private static final int WORKERS = Integer.getInteger("sieve.chaos.workers", 2);
    private static final int SHARE_REFS = Integer.getInteger("sieve.chaos.share.refs", 200);
    private static final int SHARE_KILLS = Integer.getInteger("sieve.chaos.share.kills", 3);
    private static final int RESTART_REFS = Integer.getInteger("sieve.chaos.restart.refs", 200);
    private static final int RESTART_KILLS = Integer.getInteger("sieve.chaos.restart.kills", 1);
    private static final int RESTARTS = Integer.getInteger("sieve.chaos.restarts", 1);
    /** How long the broker stays down; past the producer's max.block.ms (60 s) its calls time out instead of waiting. */
    private static final Duration DOWNTIME = Duration.ofSeconds(Long.getLong("sieve.chaos.restart.downtime.s", 0));
    private static final int BAD_RECORDS = 3;
    private static final int DEDUP_REFS = Integer.getInteger("sieve.chaos.dedup.refs", 200);
    private static final int DEDUP_KILLS = Integer.getInteger("sieve.chaos.dedup.kills", 2);
    private static final AvroSerde<ScoredImage> SCORED = AvroSerde.of(ScoredImage.class);

    @TempDir
    Path tmp;

    @Test
    void killedAndRestartedWorkersLoseNothingAndDuplicateNothing() throws Exception {
        Result r = chaos(SharedKafka.bootstrapServers(), "group", REFS, KILLS);
        assertThat(r.lost()).as(r.report()).isEmpty();
        assertThat(r.duplicated()).as(r.report()).isZero();
        assertThat(r.failed()).as("the 404s and the unreadable records fail").isEqualTo(BAD_RECORDS + (REFS + 19) / 20);
    }

    @Test
    void withDedupKilledWorkersStillWriteEachIdOnceAndEveryReuseIsTheResultItNames() throws Exception {
        // The feed is three files under hundreds of URLs: nearly every reference is a repeat.
        Result r = chaos(SharedKafka.bootstrapServers(), "group", DEDUP_REFS, DEDUP_KILLS, null, 0, true);
        assertThat(r.lost()).as(r.report()).isEmpty();
        assertThat(r.duplicated()).as(r.report()).isZero();
        Map<String, ScoredImage> byId = new HashMap<>();
        for (ConsumerRecord<String, byte[]> rec : r.scored()) byId.put(rec.key(), SCORED.decode(rec.value()));
        long reused = 0;
        for (ScoredImage s : byId.values()) {
            if (s.getDuplicateOf() == null) continue;
            reused++;
            ScoredImage first = byId.get(s.getDuplicateOf());
            assertThat(first).as("%s names %s, which must be on images.scored", s.getRef().getId(), s.getDuplicateOf()).isNotNull();
            assertThat(s.getSha256()).isEqualTo(first.getSha256());
            assertThat(s.getHeads()).isEqualTo(first.getHeads());
        }
        long modelRuns = byId.size() - reused;
        String report = r.report() + String.format("; dedup: %d scored, %d reused without inference, %d through the model",
                byId.size(), reused, modelRuns);
        System.out.println(report);
        Files.writeString(Path.of("target", "chaos-dedup-report.txt"), report + System.lineSeparator());
        assertThat(reused).as(report).isGreaterThan(byId.size() / 2);
    }

    @Test
    void workersRideThroughABrokerRestartAndStillWriteEachIdExactlyOnce() throws Exception {
        // Its own broker: stopping the shared one would break every other test class of this JVM.
        try (EmbeddedKafka broker = EmbeddedKafka.start(0)) {
            Result r = chaos(broker.bootstrapServers(), "group", RESTART_REFS, RESTART_KILLS, broker, RESTARTS, false);
            assertThat(r.lost()).as(r.report()).isEmpty();
            assertThat(r.duplicated()).as(r.report()).isZero();
            assertThat(r.failed()).as(r.report()).isEqualTo(BAD_RECORDS + (RESTART_REFS + 19) / 20);
        }
    }

    @Test
    void inShareModeKilledWorkersLoseNothingAndTheSorterPutsEachImageOnceInItsBuckets() throws Exception {
        // Its own broker: bucket topics are named after head and label only (images.bucket.<head>.<label>), so on the
        // shared broker they would also hold other test classes' images.
        try (EmbeddedKafka broker = EmbeddedKafka.start(0)) {
            String bootstrap = broker.bootstrapServers();
            // At least once: nothing lost; duplicates on images.scored are allowed (and counted)...
            Result r = chaos(bootstrap, "share", SHARE_REFS, SHARE_KILLS);
            assertThat(r.lost()).as(r.report()).isEmpty();
            // Kills rarely land between a write and its acknowledgement, so a run may have no duplicates of its own:
            // write every 10th scored record again, as a redelivered record's second scoring would.
            int copies = 0;
            try (KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
                for (int i = 0; i < r.scored().size(); i += 10, copies++) {
                    ConsumerRecord<String, byte[]> again = r.scored().get(i);
                    producer.send(new ProducerRecord<>(again.topic(), again.key(), again.value())).get();
                }
            }
            // ...and the real sorter removes them by id: each image once in the bucket of each of its tags.
            Buckets b = sort(bootstrap, WorkerEndToEndTest.readAll(bootstrap, "chaos-share.scored"), copies);
            String report = r.report() + "; " + b.report();
            System.out.println(report);
            Files.writeString(Path.of("target", "chaos-share-buckets-report.txt"), report + System.lineSeparator());
            assertThat(b.expected()).as(report).isNotEmpty();
            assertThat(b.live()).as(report).isEqualTo(b.expected());
            assertThat(b.duplicated()).as(report).isZero();
        }
    }

    /**
     * @param scored every record on images.scored, duplicates included, in partition order
     */
    record Result(String report, Set<String> lost, long duplicated, int failed, List<ConsumerRecord<String, byte[]>> scored) {}

    /**
     * What the sorter made of images.scored.
     *
     * @param expected bucket topic to the ids that belong there: the tags of each id's latest scored record (the
     *                 worker's own top labels, which are what the sorter's default rules route by)
     * @param live     bucket topic to the ids in it once removal markers (tombstones) are applied
     * @param duplicated (bucket, id) pairs written more than once
     */
    record Buckets(Map<String, Set<String>> expected, Map<String, Set<String>> live, long duplicated, String report) {}

    /**
     * Runs the real sorter (Kafka Streams, exactly-once) over images.scored and reads back every bucket it wrote.
     *
     * @param scored every record on images.scored (read_committed)
     * @param copies how many of them the test wrote again
     */
    private Buckets sort(String bootstrap, List<ConsumerRecord<String, byte[]>> scored, int copies) throws Exception {
        Map<String, ScoredImage> latest = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : scored) latest.put(r.key(), SCORED.decode(r.value()));
        Map<String, Set<String>> expected = new TreeMap<>();
        for (ScoredImage s : latest.values()) {
            for (Tag t : s.getTags()) {
                expected.computeIfAbsent(BucketNames.topic(t.getHead(), t.getLabel()), k -> new TreeSet<>()).add(s.getRef().getId());
            }
        }
        String input = scored.isEmpty() ? "chaos-share.scored" : scored.get(0).topic();
        SortConfig config = new SortConfig(input, input + ".corrections", "chaos-share-sorter", SortConfig.defaults().rules(),
                SortConfig.Guarantee.EXACTLY_ONCE_V2, 1, (short) 1, 1, Optional.of(tmp.resolve("sorter")));
        try (SortApp sorter = SortApp.start(config, KafkaSettings.of(bootstrap))) {
            await().atMost(Duration.ofSeconds(120)).until(() -> sorter.counts().images() >= scored.size());
        }
        Set<String> bucketTopics = new TreeSet<>();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            for (String t : admin.listTopics().names().get(30, TimeUnit.SECONDS)) {
                if (BucketNames.parse(t).isPresent()) bucketTopics.add(t);
            }
        }
        Map<String, Set<String>> live = new TreeMap<>();
        Map<String, Integer> writes = new HashMap<>();
        long tombstones = 0;
        for (String topic : bucketTopics) {
            Set<String> ids = live.computeIfAbsent(topic, k -> new TreeSet<>());
            for (ConsumerRecord<String, byte[]> r : WorkerEndToEndTest.readAll(bootstrap, topic)) {
                if (r.value() == null) {
                    ids.remove(r.key());
                    tombstones++;
                } else {
                    ids.add(r.key());
                    writes.merge(topic + "/" + r.key(), 1, Integer::sum);
                }
            }
        }
        long duplicated = writes.values().stream().filter(n -> n > 1).count();
        long inBuckets = writes.values().stream().mapToInt(Integer::intValue).sum();
        String report = String.format("sorter: %d records on images.scored (%d ids, %d duplicates, %d of them written "
                + "again by the test) -> %d bucket topics, %d bucket records, %d removal markers, %d duplicated in the "
                + "buckets", scored.size(), latest.size(), scored.size() - latest.size(), copies, bucketTopics.size(),
                inBuckets, tombstones, duplicated);
        return new Buckets(expected, live, duplicated, report);
    }

    /** The chaos run against any broker: the in-JVM one here, the official image in {@code WorkerChaosContainerTest}. */
    Result chaos(String bootstrap, String mode, int refs, int plannedKills) throws Exception {
        return chaos(bootstrap, mode, refs, plannedKills, null, 0, false);
    }

    /**
     * With {@code plannedRestarts} > 0, {@code restartable} (the broker at {@code bootstrap}) is restarted mid-stream;
     * with {@code dedup} the workers run {@code --dedup} (topics of their own).
     */
    private Result chaos(String bootstrap, String mode, int refs, int plannedKills, EmbeddedKafka restartable,
                         int plannedRestarts, boolean dedup) throws Exception {
        long seed = Long.getLong("sieve.chaos.seed", System.nanoTime());
        Random random = new Random(seed);
        String name = "chaos-" + mode + (dedup ? "-dedup" : "");
        String in = name + ".in", scored = name + ".scored", failed = name + ".failed";
        String group = name + "-workers";
        List<String> extra = dedup ? List.of("--dedup", "--dedup-topic", name + ".content") : List.of();
        EmbeddedKafka.createTopics(bootstrap, 4, List.of(in, scored, failed));
        Set<String> produced = new HashSet<>();
        List<WorkerProcess> workers = new ArrayList<>();
        int kills = 0;
        int restarts = 0;
        try (ImageServer server = new ImageServer(List.of(WorkerEndToEndTest.SAMPLES.resolve("garden-640x480.jpg"),
                WorkerEndToEndTest.SAMPLES.resolve("sketch-500x700-grey.png"),
                WorkerEndToEndTest.SAMPLES.resolve("badge-400x400.gif")), 20);
             GroupOffsets offsets = new GroupOffsets(bootstrap)) {
            // A killed worker's partitions (group) or records (share) go to others when its session or its record
            // locks expire: 8 s instead of 45 s / 30 s keeps the test short.
            ConfigResource groupResource = new ConfigResource(ConfigResource.Type.GROUP, group);
            List<AlterConfigOp> groupConfig = mode.equals("share")
                    ? List.of(set("share.record.lock.duration.ms", "8000"), set("share.auto.offset.reset", "earliest"))
                    : List.of(set("consumer.session.timeout.ms", "8000"), set("consumer.heartbeat.interval.ms", "1000"));
            offsets.admin().incrementalAlterConfigs(Map.of(groupResource, groupConfig)).all().get();
            try (KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
                for (int i = 0; i < refs; i++) {
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
            for (int w = 0; w < WORKERS; w++) workers.add(start(bootstrap, mode, in, scored, failed, group, w, extra));

            try {
                int events = plannedKills + plannedRestarts;
                for (int event = 0; event < events; event++) {
                    // Event k of n lands near k/(n+1) of the run, jittered, so every planned kill happens before the
                    // end however fast the workers are, and the kills spread over the whole run.
                    long slot = total / (events + 1);
                    long target = Math.max(1, slot * (event + 1) + random.nextLong(Math.max(1, slot / 2)) - slot / 4);
                    // Reads fail while the broker is down: keep asking.
                    await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                            .until(() -> distinctOutputs(bootstrap, scored, failed) >= target);
                    // Restarts take every odd event (kill, restart, kill, ...), so each meets workers mid-stream.
                    if (restarts < plannedRestarts && (event % 2 == 1 || kills == plannedKills)) {
                        restartable.stop();
                        if (!DOWNTIME.isZero()) await().pollDelay(DOWNTIME).atMost(DOWNTIME.plusSeconds(5)).until(() -> true);
                        restartable.restart();
                        restarts++;
                        continue;
                    }
                    int victim = random.nextInt(WORKERS);
                    workers.get(victim).kill();
                    kills++;
                    // Same worker id: its transactional id fences the dead one's open transaction at once.
                    workers.set(victim, start(bootstrap, mode, in, scored, failed, group, victim, extra));
                }
                await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> distinctOutputs(bootstrap, scored, failed) >= total);
                if (mode.equals("group")) {
                    await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                            .until(() -> offsets.committed(group, in) >= total);
                }
                for (WorkerProcess w : workers) {
                    await().atMost(Duration.ofSeconds(120)).until(() -> w.log().contains(" consuming ") || !w.isAlive());
                    int exit = w.terminate(60);
                    assertThat(exit).as(w.log()).isZero();
                }
            } finally {
                for (WorkerProcess w : workers) if (w.isAlive()) w.kill();
            }

            Map<String, Integer> seen = new HashMap<>();
            List<ConsumerRecord<String, byte[]>> scoredRecords = WorkerEndToEndTest.readAll(bootstrap, scored);
            count(scoredRecords, seen);
            int scoredCount = seen.values().stream().mapToInt(Integer::intValue).sum();
            Map<String, Integer> failedSeen = new HashMap<>();
            count(WorkerEndToEndTest.readAll(bootstrap, failed), failedSeen);
            failedSeen.forEach((id, n) -> seen.merge(id, n, Integer::sum));
            int outputs = seen.values().stream().mapToInt(Integer::intValue).sum();
            Set<String> lost = new HashSet<>(produced);
            lost.removeAll(seen.keySet());
            long duplicated = seen.values().stream().filter(n -> n > 1).count();
            String report = String.format("chaos %s mode (seed %d): %d workers, %d kills survived, %d broker restarts "
                    + "survived, %d records, %d scored, %d failed, %d lost, %d duplicated", mode, seed, WORKERS, kills,
                    restarts, total, scoredCount, outputs - scoredCount, lost.size(), duplicated);
            System.out.println(report);
            String reportFile = name + (plannedRestarts > 0 ? "-restart" : "") + "-report.txt";
            Files.writeString(Path.of("target", reportFile), report + System.lineSeparator());
            assertThat(kills).as(report).isEqualTo(plannedKills);
            assertThat(restarts).as(report).isEqualTo(plannedRestarts);
            assertThat(seen.keySet()).as(report).containsAll(produced).hasSameSizeAs(produced);
            return new Result(report, lost, duplicated, failedSeen.size(), scoredRecords);
        }
    }

    private static AlterConfigOp set(String name, String value) {
        return new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET);
    }

    private static long distinctOutputs(String bootstrap, String scored, String failed) {
        Set<String> ids = new HashSet<>();
        for (String topic : List.of(scored, failed)) {
            WorkerEndToEndTest.readAll(bootstrap, topic).forEach(r -> ids.add(r.key()));
        }
        return ids.size();
    }

    private WorkerProcess start(String bootstrap, String mode, String in, String scored, String failed, String group,
                                int n, List<String> extra) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "--mode", mode, "-b", bootstrap, "--group", group, "--worker-id", group + "-" + n, "--input-topic", in,
                "--scored-topic", scored, "--failed-topic", failed, "--allow-private-addresses",
                "--max-in-flight", "16", "--fetch-attempts", "1", "--prepare-threads", "1"));
        args.addAll(extra);
        return WorkerProcess.start(tmp.resolve(group + "-" + n + ".log"), args);
    }

    private static void count(Collection<ConsumerRecord<String, byte[]>> records, Map<String, Integer> seen) {
        for (ConsumerRecord<String, byte[]> r : records) seen.merge(r.key(), 1, Integer::sum);
    }
}
