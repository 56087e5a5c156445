package dev.sieve.bench;

import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.sieve.avro.FailedImage;
import dev.sieve.avro.ScoredImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.EmbeddedKafka;
import dev.sieve.model.SimulatedAccelerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;

/**
 * Scale-out on one machine (issue 8): an embedded broker in this JVM, small JPEGs from a loopback HTTP server, and N
 * worker processes — child JVMs running the real {@code sieve work} main with the simulated accelerator (no libtorch,
 * -Xmx256m, SerialGC) so that many fit on two cores.
 *
 * <ol>
 *   <li>Throughput against worker count, per partition count and mode (group, share): all references are produced
 *       first, the workers started, and the rate taken between the 10th and the 90th percentile of completions
 *       (start-up and the tail excluded). Ratio to linear = rate / (N × the 1-worker rate of the same mode and
 *       partition count).</li>
 *   <li>Elasticity (group mode): a backlog, 2 workers; +1 worker, then SIGTERM one, then SIGKILL one; completions per
 *       1 s bucket, the dip after each event, the time until the new worker's first record, and the exactly-once
 *       check over images.scored + images.failed, read_committed.</li>
 * </ol>
 *
 * <p>The simulated accelerator waits {@code --ms-per-batch} per batch of up to {@code --batch-crops} crops. The
 * default here (3200 ms per 32 crops, ≈ 10 images/s per worker) is a slowed-down device so that 8 workers' fetch,
 * decode and Kafka traffic fit on two cores: what is measured is how the rate scales, not an H100's rate (an H100
 * would be ≈ 24.7 ms per 32 crops, an estimate: see {@link SimulatedAccelerator}).
 *
 * <p>Options: --workers 1,2,4,8 --partitions 8,16 --modes group,share --ms-per-batch 3200 --batch-crops 32
 * --refs-per-worker 200 --elasticity true --event-s 12 --quick (1,2,4 workers, 8 partitions, shorter).
 */
public final class ScaleBench {

    record Point(String mode, int partitions, int workers, int refs, double imagesPerS, double ratioToLinear,
                 double wallS, int duplicates) {}

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        BenchOptions o = BenchOptions.parse(args);
        boolean quick = o.values().containsKey("quick");
        List<Integer> workerCounts = ints(o.string("workers", quick ? "1,2,4" : "1,2,4,8"));
        List<Integer> partitionCounts = ints(o.string("partitions", quick ? "8" : "8,16"));
        List<String> modes = List.of(o.string("modes", "group,share").split(","));
        double msPerBatch = Double.parseDouble(o.string("ms-per-batch", "3200"));
        int batchCrops = o.integer("batch-crops", 32);
        int refsPerWorker = o.integer("refs-per-worker", quick ? 100 : 200);
        int eventS = o.integer("event-s", quick ? 8 : 12);
        boolean elasticity = !"false".equals(o.string("elasticity", "true"));
        Path out = o.out();
        Path logs = out.resolve("scale-logs");
        Files.createDirectories(logs);

        List<byte[]> images = new ArrayList<>();
        // Small photos-like JPEGs, none tiled: one crop each, a few ms of preprocessing.
        int[][] sizes = {{160, 120}, {120, 160}, {200, 150}, {128, 128}};
        for (int i = 0; i < sizes.length; i++) {
            images.add(BenchImages.encode(BenchImages.draw(sizes[i][0], sizes[i][1], i), "jpeg"));
        }

        BenchReport report = new BenchReport("scale");
        report.put("simulated_accelerator", Map.of("ms_per_batch", msPerBatch, "batch_crops", batchCrops,
                "note", "a slowed-down simulated device (benchmark option); an H100 is estimated at 24.7 ms per 32 crops"
                        + " (382 GFLOPs per crop, 989 TFLOP/s dense fp16, 50% of peak), not measured"));
        report.put("images_bytes", images.stream().map(b -> b.length).toList());
        List<Point> points = new ArrayList<>();
        Map<String, Object> elastic = null;
        Map<String, Object> recordSizes = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        try (EmbeddedKafka broker = EmbeddedKafka.start(0)) {
            HttpServer http = EndToEndBench.serve(images);
            String base = "http://127.0.0.1:" + http.getAddress().getPort() + "/img/";
            Workers workers = new Workers(broker.bootstrapServers(), msPerBatch, batchCrops, logs);
            try {
                int run = 0;
                for (String mode : modes) {
                    for (int partitions : partitionCounts) {
                        double single = Double.NaN;
                        for (int n : workerCounts) {
                            String name = "scale" + (run++) + "-" + mode + "-p" + partitions + "-w" + n;
                            int refs = refsPerWorker * n;
                            Run r = runOnce(broker, workers, base, images.size(), name, mode, partitions, n, refs, recordSizes);
                            if (n == 1) single = r.rate;
                            double ratio = r.rate / (n * single);
                            Point p = new Point(mode, partitions, n, refs, r.rate, ratio, r.wallS, r.duplicates);
                            points.add(p);
                            System.out.printf("%s: %d workers, %d partitions: %.1f images/s (%.2f of linear), %d duplicates%n",
                                    mode, n, partitions, r.rate, ratio, r.duplicates);
                        }
                    }
                }
                if (elasticity) {
                    double perWorker = points.stream().filter(p -> p.workers == 1).mapToDouble(Point::imagesPerS).max()
                            .orElse(1000 * batchCrops / msPerBatch);
                    elastic = elasticity(broker, workers, base, images.size(), perWorker, eventS, logs, out);
                }
            } finally {
                workers.stopAll();
                http.stop(0);
            }
        }
        report.put("points", points);
        if (elastic != null) report.put("elasticity", elastic);
        report.put("record_bytes", recordSizes);
        report.put("wall_s", (System.nanoTime() - t0) / 1e9);
        report.row("mode", "partitions", "workers", "refs", "images/s", "ratio to linear", "dup");
        for (Point p : points) report.row(p.mode, p.partitions, p.workers, p.refs, p.imagesPerS, p.ratioToLinear, p.duplicates);
        ScalePlots.throughputVsWorkers(points, out.resolve("scale-workers.png"));
        report.finish(out);
        if (elastic != null) {
            System.out.println("\n== elasticity (group mode) ==");
            elastic.forEach((k, v) -> { if (!(v instanceof List)) System.out.println(k + ": " + v); });
        }
        System.out.println("record sizes (bytes, mean): " + recordSizes);
        System.out.println("plots: " + out.resolve("scale-workers.png") + ", " + out.resolve("scale-elasticity.png"));
        System.exit(0); // the loopback HTTP server's pool threads are not daemons
    }

    record Run(double rate, double wallS, int duplicates) {}

    private static Run runOnce(EmbeddedKafka broker, Workers workers, String base, int distinct, String name, String mode,
                               int partitions, int n, int refs, Map<String, Object> recordSizes) throws Exception {
        Topics t = Topics.of(name);
        broker.createTopics(partitions, t.in, t.scored, t.failed);
        // Workers first, then the references: the rate is that of N members at work, not of N JVMs starting up
        // and joining one by one (each join is a rebalance in group mode).
        for (int i = 0; i < n; i++) workers.start(name + "-w" + i, mode, t);
        workers.awaitModelStage(Duration.ofSeconds(90));
        workers.awaitMembers(t.in + "-" + mode, mode, n, partitions);
        long inBytes;
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = EndToEndBench.producer(broker.bootstrapServers())) {
            inBytes = produce(producer, t.in, name, refs, base, distinct);
        }
        recordSizes.putIfAbsent("images.in", inBytes / refs);
        Completions c = Completions.await(broker.bootstrapServers(), t, refs, Duration.ofMinutes(5), null);
        workers.stopAll();
        if (c.scoredCount > 0) recordSizes.putIfAbsent("images.scored", c.scoredBytes / c.scoredCount);
        if (c.failedCount > 0) recordSizes.putIfAbsent("images.failed", c.failedBytes / c.failedCount);
        long[] times = c.times();
        Arrays.sort(times);
        int lo = times.length / 10, hi = Math.max(lo, times.length * 9 / 10 - 1);
        double rate = (hi - lo) / Math.max(1e-3, (times[hi] - times[lo]) / 1000.0);
        return new Run(rate, (System.nanoTime() - start) / 1e9, c.duplicates());
    }

    private static long produce(KafkaProducer<String, byte[]> producer, String topic, String prefix, int count,
                                String base, int distinct) {
        long[] bytes = {0};
        var refs = AvroSerde.of(dev.sieve.avro.ImageRef.class);
        for (int i = 0; i < count; i++) {
            String id = prefix + "-" + i;
            var ref = dev.sieve.avro.ImageRef.newBuilder().setId(id).setUri(base + i + ".jpg").setSource("bench")
                    .setAttributes(Map.of()).setProducedAt(java.time.Instant.now()).build();
            byte[] value = refs.encode(ref);
            bytes[0] += value.length + id.length();
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, id, value));
        }
        producer.flush();
        return bytes[0];
    }

    private static Map<String, Object> elasticity(EmbeddedKafka broker, Workers workers, String base, int distinct,
                                                  double perWorker, int eventS, Path logs, Path out) throws Exception {
        String name = "scale-elastic";
        int partitions = 8;
        Topics t = Topics.of(name);
        broker.createTopics(partitions, t.in, t.scored, t.failed);
        // Enough backlog for 2 → 3 → 2 → 1 workers over four event periods, plus a tail.
        int refs = (int) (perWorker * eventS * (2 + 3 + 2 + 1) * 0.9);
        try (KafkaProducer<String, byte[]> producer = EndToEndBench.producer(broker.bootstrapServers())) {
            produce(producer, t.in, name, refs, base, distinct);
        }
        long origin = System.currentTimeMillis();
        Map<String, Long> events = new LinkedHashMap<>();
        workers.start(name + "-a", "group", t);
        workers.start(name + "-b", "group", t);
        workers.awaitModelStage(Duration.ofSeconds(90));
        events.put("2 workers up", System.currentTimeMillis() - origin);
        Completions.Watch watch = Completions.watch(broker.bootstrapServers(), t, refs);
        watch.sleepUntil(origin + eventS * 1000L);
        events.put("add worker c", System.currentTimeMillis() - origin);
        workers.start(name + "-c", "group", t);
        watch.sleepUntil(origin + 2 * eventS * 1000L);
        long sigterm = System.currentTimeMillis() - origin;
        events.put("SIGTERM worker a", sigterm);
        // The reader keeps reading while a drains: waiting here for a's exit would stop the clock of visibility and
        // show a's drain as a stall of every partition (what the first runs of this bench reported).
        Process a = workers.signal(name + "-a", false);
        AtomicLong aExited = new AtomicLong(-1);
        a.onExit().thenRun(() -> aExited.set(System.currentTimeMillis() - origin));
        watch.sleepUntil(origin + 3 * eventS * 1000L);
        events.put("SIGKILL worker b", System.currentTimeMillis() - origin);
        workers.signal(name + "-b", true);
        Completions c = watch.finish(Duration.ofMinutes(5));
        workers.stopAll();
        a.waitFor(60, TimeUnit.SECONDS);

        // Completions per 1 s bucket, by commit-visible arrival time.
        long[] times = c.times();
        int seconds = (int) ((Arrays.stream(times).max().orElse(origin) - origin) / 1000) + 1;
        int[] perSecond = new int[Math.max(1, seconds)];
        for (long at : times) perSecond[(int) Math.max(0, (at - origin) / 1000)]++;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("partitions", partitions);
        m.put("refs", refs);
        m.put("events_ms", events);
        m.put("per_second", Arrays.stream(perSecond).boxed().toList());
        Long firstOfC = c.firstByWorker.get(name + "-c");
        m.put("new_worker_first_record_after_s", firstOfC == null ? null : (firstOfC - origin - events.get("add worker c")) / 1000.0);
        for (var e : events.entrySet()) {
            if (e.getKey().startsWith("2 workers")) continue;
            m.put("dip after " + e.getKey(), dip(perSecond, (int) (e.getValue() / 1000)));
        }
        long drainEnd = aExited.get() >= 0 ? aExited.get() : events.get("SIGKILL worker b");
        m.put("sigterm_drain_s", aExited.get() < 0 ? null : (aExited.get() - sigterm) / 1000.0);
        m.put("longest_gap_during_drain_s", longestGap(times, origin + sigterm, origin + drainEnd) / 1000.0);
        m.put("scored", c.scoredIds.size());
        m.put("failed", c.failedIds.size());
        m.put("missing", c.missing(name, refs));
        m.put("duplicated", c.duplicates());
        m.put("exactly_once", c.missing(name, refs) == 0 && c.duplicates() == 0);
        ScalePlots.elasticity(perSecond, events, out.resolve("scale-elasticity.png"));
        return m;
    }

    /** The longest time between {@code from} and {@code to} (epoch ms) in which no completion became visible. */
    static long longestGap(long[] arrivals, long from, long to) {
        long[] sorted = Arrays.stream(arrivals).filter(t -> t >= from && t <= to).sorted().toArray();
        long gap = 0, last = from;
        for (long t : sorted) {
            gap = Math.max(gap, t - last);
            last = t;
        }
        return Math.max(gap, to - last);
    }

    /** Depth (lowest second vs the mean of the 3 s before) and duration (seconds below 80% of that mean) after an event. */
    static Map<String, Object> dip(int[] perSecond, int at) {
        double before = 0;
        int n = 0;
        for (int s = Math.max(0, at - 3); s < at && s < perSecond.length; s++, n++) before += perSecond[s];
        before = n == 0 ? 0 : before / n;
        int low = Integer.MAX_VALUE, below = 0;
        for (int s = at; s < Math.min(perSecond.length, at + 8); s++) {
            low = Math.min(low, perSecond[s]);
            if (perSecond[s] < 0.8 * before) below++;
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("before_per_s", before);
        d.put("lowest_per_s", low == Integer.MAX_VALUE ? 0 : low);
        d.put("depth", before == 0 ? 0 : 1 - (low == Integer.MAX_VALUE ? 0 : low) / before);
        d.put("seconds_below_80pct", below);
        return d;
    }

    static List<Integer> ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).map(Integer::parseInt).toList();
    }

    record Topics(String in, String scored, String failed) {
        static Topics of(String name) {
            return new Topics(name + ".in", name + ".scored", name + ".failed");
        }
    }

    /** Worker processes: the real `sieve work` main in small child JVMs. */
    static final class Workers {
        private final String bootstrap;
        private final double msPerBatch;
        private final int batchCrops;
        private final Path logs;
        private final Map<String, Process> running = new LinkedHashMap<>();
        /** Signalled, perhaps still draining: stopAll waits for them too. */
        private final List<Process> signalled = new ArrayList<>();

        Workers(String bootstrap, double msPerBatch, int batchCrops, Path logs) {
            this.bootstrap = bootstrap;
            this.msPerBatch = msPerBatch;
            this.batchCrops = batchCrops;
            this.logs = logs;
        }

        void start(String id, String mode, Topics t) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:+UseSerialGC", "-Xss512k",
                    "-cp", System.getProperty("java.class.path"), "dev.sieve.cli.Sieve", "work",
                    "-b", bootstrap, "--simulated-accelerator", String.valueOf(msPerBatch),
                    "--batch-crops", String.valueOf(batchCrops), "--allow-private-addresses", "--mode", mode,
                    "--group", t.in + "-" + mode, "--input-topic", t.in, "--scored-topic", t.scored,
                    "--failed-topic", t.failed, "--worker-id", id, "--metrics-port", "0", "--prepare-threads", "1"));
            Path log = logs.resolve(id + ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            running.put(id, p);
        }

        /** Until every running worker's log says its (simulated) model stage is up. */
        void awaitModelStage(Duration timeout) {
            for (String id : running.keySet()) {
                Path log = logs.resolve(id + ".log");
                await(id + " starts; see " + log).atMost(timeout).pollInterval(Duration.ofMillis(100)).until(() -> {
                    if (!running.get(id).isAlive()) throw new IllegalStateException(id + " exited; see " + log);
                    return Files.exists(log) && Files.readString(log).contains("SIMULATED ACCELERATOR");
                });
            }
        }

        /**
         * Until the group has its n members and (group mode) every partition is assigned, so that the timed run starts
         * with all workers at work rather than with joins and rebalances.
         */
        void awaitMembers(String group, String mode, int n, int partitions) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                await(group + " has " + n + " members").atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
                    if (mode.equals("share")) {
                        return admin.describeShareGroups(List.of(group)).all().get().get(group).members().size() == n;
                    }
                    var members = admin.describeConsumerGroups(List.of(group)).all().get().get(group).members();
                    int assigned = members.stream().mapToInt(m -> m.assignment().topicPartitions().size()).sum();
                    return members.size() == n && assigned == partitions;
                });
            }
        }

        /** SIGTERM (graceful: finish, commit, exit 0) or SIGKILL, without waiting; the process, to wait for. */
        Process signal(String id, boolean kill) {
            Process p = running.remove(id);
            signalled.add(p);
            if (kill) p.destroyForcibly(); else p.destroy();
            return p;
        }

        void stopAll() throws InterruptedException {
            for (Process p : running.values()) p.destroy();
            signalled.addAll(running.values());
            for (Process p : signalled) {
                if (!p.waitFor(45, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
            }
            running.clear();
            signalled.clear();
        }
    }

    /** What reached images.scored / images.failed, read_committed: per id, when it became visible and who wrote it. */
    static final class Completions {
        final Map<String, Integer> scoredIds = new HashMap<>();
        final Map<String, Integer> failedIds = new HashMap<>();
        final List<Long> arrival = new ArrayList<>();
        final Map<String, Long> firstByWorker = new HashMap<>();
        long scoredBytes, failedBytes;
        int scoredCount, failedCount;

        long[] times() {
            return arrival.stream().mapToLong(Long::longValue).toArray();
        }

        int duplicates() {
            int d = 0;
            Map<String, Integer> all = new HashMap<>(scoredIds);
            failedIds.forEach((k, v) -> all.merge(k, v, Integer::sum));
            for (int v : all.values()) d += v - 1;
            return d;
        }

        int missing(String prefix, int refs) {
            int m = 0;
            for (int i = 0; i < refs; i++) {
                String id = prefix + "-" + i;
                if (!scoredIds.containsKey(id) && !failedIds.containsKey(id)) m++;
            }
            return m;
        }

        static Completions await(String bootstrap, Topics t, int refs, Duration timeout, Object unused) {
            Watch w = watch(bootstrap, t, refs);
            return w.finish(timeout);
        }

        static Watch watch(String bootstrap, Topics t, int refs) {
            KafkaConsumer<String, byte[]> consumer = EndToEndBench.consumer(bootstrap);
            List<TopicPartition> parts = new ArrayList<>();
            for (String topic : List.of(t.scored, t.failed)) {
                consumer.partitionsFor(topic).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            return new Watch(consumer, t, refs, new Completions());
        }

        record Watch(KafkaConsumer<String, byte[]> consumer, Topics t, int refs, Completions c) {
            private static final AvroSerde<ScoredImage> SCORED = AvroSerde.of(ScoredImage.class);
            private static final AvroSerde<FailedImage> FAILED = AvroSerde.of(FailedImage.class);

            void pollOnce() {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.currentTimeMillis();
                    c.arrival.add(now);
                    String worker;
                    if (r.topic().equals(t.scored)) {
                        ScoredImage s = SCORED.decode(r.value());
                        c.scoredIds.merge(s.getRef().getId(), 1, Integer::sum);
                        c.scoredBytes += r.serializedValueSize() + Math.max(0, r.serializedKeySize());
                        c.scoredCount++;
                        worker = s.getWorkerId();
                    } else {
                        FailedImage f = FAILED.decode(r.value());
                        c.failedIds.merge(r.key(), 1, Integer::sum);
                        c.failedBytes += r.serializedValueSize() + Math.max(0, r.serializedKeySize());
                        c.failedCount++;
                        worker = f.getWorkerId();
                    }
                    if (worker != null) c.firstByWorker.putIfAbsent(worker, now);
                }
            }

            /** Keeps reading (so arrival times stay accurate) until the wall clock reaches {@code epochMs}. */
            void sleepUntil(long epochMs) {
                while (System.currentTimeMillis() < epochMs) pollOnce();
            }

            Completions finish(Duration timeout) {
                long deadline = System.nanoTime() + timeout.toNanos();
                try {
                    while (c.scoredIds.size() + c.failedIds.size() < refs && System.nanoTime() < deadline) pollOnce();
                    // A moment longer: duplicates written after the last first copy would otherwise go unseen.
                    long extra = System.currentTimeMillis() + 2000;
                    while (System.currentTimeMillis() < extra) pollOnce();
                } finally {
                    consumer.close();
                }
                if (c.scoredIds.size() + c.failedIds.size() < refs) {
                    System.out.println("warning: timed out with " + (c.scoredIds.size() + c.failedIds.size()) + " of " + refs);
                }
                return c;
            }
        }
    }
}
