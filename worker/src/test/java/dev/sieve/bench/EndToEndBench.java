package dev.sieve.bench;

import ai.djl.Device;
import com.sun.net.httpserver.HttpServer;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.ScoredImage;
import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.PreparedImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.EmbeddedKafka;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.Scorer;
import dev.sieve.work.ImagePipeline;
import dev.sieve.work.Outcomes;
import dev.sieve.work.Worker;
import dev.sieve.work.WorkerConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
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

/**
 * End to end on real parts in one JVM: an embedded broker, a loopback HTTP server serving a few small generated
 * JPEGs under many URLs, one {@link Worker} with the fixture models (WorkerConfig defaults), and a read_committed
 * consumer timing each ScoredImage against its ImageRef.produced_at. Before that, the two CPU stages are measured
 * standalone in the same JVM on the same images, so the end-to-end rate can be read as a ratio.
 *
 * <p>All references are produced in one burst, so latency includes the time spent queued behind the others: p50 is
 * about half the run, not the latency of a lone image. Heap and RSS include the broker, the HTTP server and the
 * consumer, all in this JVM.
 *
 * <p>Options: {@code --out DIR}, {@code --refs N} (default 2000), {@code --partitions P} (default 4),
 * {@code --warmup N} references before the timed ones (default 100).
 */
public final class EndToEndBench {
    static final List<BenchImages.Spec> SMALL = List.of(
            new BenchImages.Spec(640, 480, "jpeg"),
            new BenchImages.Spec(500, 700, "jpeg"),
            new BenchImages.Spec(800, 600, "jpeg"),
            new BenchImages.Spec(1024, 768, "jpeg")); // shorter side > 672: tiled, 5 crops

    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse(args);
        int refs = options.integer("refs", 2000);
        int partitions = options.integer("partitions", 4);
        int warmup = options.integer("warmup", 100);
        Path repo = Path.of(System.getProperty("sieve.repo", "..")).toAbsolutePath().normalize();

        List<byte[]> images = new ArrayList<>();
        for (BenchImages.Spec s : SMALL) images.add(BenchImages.encode(BenchImages.draw(s.width(), s.height(), s.fileName().hashCode()), s.format()));
        HeapSampler heap = new HeapSampler();
        heap.start();

        try (EmbeddedKafka broker = EmbeddedKafka.start(0);
             ClipEmbedder clip = ClipEmbedder.load(repo.resolve("models/fixtures/clip-tiny-336/clip-tiny-336.pt"), Device.cpu());
             Scorer scorer = new Scorer(clip, ModelBench.heads(repo.resolve("models/fixtures/heads")), CropCombine.MEAN);
             ImageFetcher fetcher = new ImageFetcher(FetchConfig.defaults().withAllowPrivateAddresses(true))) {
            WorkerConfig config = WorkerConfig.defaults(broker.bootstrapServers()).withWorkerId("bench-worker");
            ImagePreparer preparer = new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true);

            // Standalone stage rates, same JVM, same images, same thread counts as the worker uses.
            double prepRate = preprocessRate(preparer, images, scorer.needsWholeImage(), config.prepareThreads(), 4);
            double modelRate = modelRate(preparer, scorer, images, config.batchCrops(), 4);

            HttpServer http = serve(images);
            String base = "http://127.0.0.1:" + http.getAddress().getPort() + "/img/";
            broker.createTopics(partitions, config.inputTopic(), config.scoredTopic(), config.failedTopic());
            ImagePipeline pipeline = new ImagePipeline(config, fetcher, preparer, scorer,
                    Outcomes.clipModel(clip.id(), clip.digest(), clip.preprocessing().size()));
            Worker worker = new Worker(config, pipeline);
            Thread workerThread = new Thread(worker::run, "bench-worker");
            workerThread.start();
            try (KafkaProducer<String, byte[]> producer = producer(broker.bootstrapServers());
                 KafkaConsumer<String, byte[]> consumer = consumer(broker.bootstrapServers())) {
                List<TopicPartition> outputs = new ArrayList<>();
                for (String t : List.of(config.scoredTopic(), config.failedTopic())) {
                    for (int p = 0; p < partitions; p++) outputs.add(new TopicPartition(t, p));
                }
                consumer.assign(outputs);
                consumer.seekToBeginning(outputs);

                produce(producer, config.inputTopic(), "warm", warmup, base, images.size());
                Counts warm = await(consumer, config.scoredTopic(), "warm-", warmup, null);

                heap.reset();
                ThreadCpu cpu = ThreadCpu.snapshot();
                long processCpuStart = processCpuNanos();
                long start = System.nanoTime();
                produce(producer, config.inputTopic(), "run", refs, base, images.size());
                long[] latencyMs = new long[refs];
                Counts run = await(consumer, config.scoredTopic(), "run-", refs, latencyMs);
                double seconds = (System.nanoTime() - start) / 1e9;
                Map<String, Double> cpuByGroup = cpu.since();
                double processCpu = (processCpuNanos() - processCpuStart) / 1e9;
                worker.stop();
                workerThread.join(30_000);
                worker.close();
                pipeline.close();
                http.stop(0);
                heap.stopSampling();

                double rate = refs / seconds;
                long[] lat = Arrays.copyOf(latencyMs, run.scored);
                Arrays.sort(lat);
                double slowest = Math.min(prepRate, modelRate);
                BenchReport report = new BenchReport("e2e");
                report.row("figure", "value");
                report.row("references (timed)", refs);
                report.row("scored / failed", run.scored + " / " + run.failed);
                report.row("images/s end to end", rate);
                report.row("latency p50 ms (burst)", percentile(lat, 0.50));
                report.row("latency p99 ms (burst)", percentile(lat, 0.99));
                report.row("preprocess standalone images/s (" + config.prepareThreads() + " thread(s))", prepRate);
                report.row("model standalone images/s (batch " + config.batchCrops() + " crops)", modelRate);
                report.row("end to end / slowest stage", rate / slowest);
                // Like with like: the prepare pool's own CPU seconds. If images per prepare-CPU-second matches the
                // standalone rate per thread, the pool did the same work per image and the gap is CPU it did not get
                // (other threads of this JVM, other processes), not waits in the pipeline.
                double prepCpu = cpuByGroup.getOrDefault("sieve-prepare", 0.0);
                double prepBusy = prepCpu / (config.prepareThreads() * seconds);
                double perPrepCpuSecond = prepCpu > 0 ? refs / prepCpu : 0;
                report.row("prepare pool busy (CPU s / threads x wall s)", prepBusy);
                report.row("images per prepare-CPU-second (standalone per thread: " + String.format("%.1f", prepRate / config.prepareThreads()) + ")", perPrepCpuSecond);
                report.row("batcher (model) thread busy", cpuByGroup.getOrDefault("sieve-batcher", 0.0) / seconds);
                report.row("process CPU cores used (of " + Runtime.getRuntime().availableProcessors() + ")", processCpu / seconds);
                report.row("load average (1 min, whole machine)", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
                report.row("peak heap used MB (sampled)", heap.peakMb());
                report.row("peak RSS MB (VmHWM, whole JVM)", BenchReport.peakRssMb());
                report.put("refs", refs).put("warmup", warmup).put("warmup_failed", warm.failed)
                        .put("partitions", partitions)
                        .put("images", SMALL.stream().map(BenchImages.Spec::fileName).toList())
                        .put("worker", Map.of("max_in_flight", config.maxInFlight(), "batch_crops", config.batchCrops(),
                                "batch_wait_ms", config.batchWait().toMillis(), "prepare_threads", config.prepareThreads(),
                                "commit_interval_ms", config.commitInterval().toMillis()))
                        .put("scored", run.scored).put("failed", run.failed)
                        .put("seconds", seconds)
                        .put("images_per_s", rate)
                        .put("latency_ms_p50", percentile(lat, 0.50))
                        .put("latency_ms_p99", percentile(lat, 0.99))
                        .put("latency_note", "all references produced in one burst: latency includes queueing behind the others")
                        .put("preprocess_standalone_images_per_s", prepRate)
                        .put("model_standalone_images_per_s", modelRate)
                        .put("ratio_to_slowest_stage", rate / slowest)
                        .put("target_ratio", 0.9)
                        .put("prepare_pool_busy_fraction", prepBusy)
                        .put("images_per_prepare_cpu_second", perPrepCpuSecond)
                        .put("process_cpu_cores_used", processCpu / seconds)
                        .put("load_average_1min", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage())
                        .put("cpu_seconds_by_thread_group", cpuByGroup)
                        .put("peak_heap_used_mb", heap.peakMb())
                        .put("peak_heap_pools_sum_mb", heapPoolPeaksMb())
                        .put("peak_rss_mb", BenchReport.peakRssMb())
                        .finish(options.out());
            }
        }
        System.exit(0); // the broker's and libtorch's non-daemon threads must not keep the bench alive
    }

    record Counts(int scored, int failed) {}

    static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }

    /** Images/s of ImagePreparer.prepare as the worker calls it, on {@code threads} threads, cycling through the images. */
    static double preprocessRate(ImagePreparer preparer, List<byte[]> images, boolean wantWhole, int threads, double seconds)
            throws Exception {
        // Warm-up long enough for the JIT to finish with the decoder and resampler (this JVM is fresh).
        long warm = System.nanoTime() + 3_000_000_000L;
        for (int i = 0; System.nanoTime() < warm; i++) preparer.prepare(images.get(i % images.size()), wantWhole);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        List<Future<?>> jobs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int offset = t;
            jobs.add(pool.submit(() -> {
                for (int i = offset; System.nanoTime() < end; i++) {
                    preparer.prepare(images.get(i % images.size()), wantWhole);
                    done.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> j : jobs) j.get();
        pool.shutdown();
        return done.get() / ((System.nanoTime() - start) / 1e9);
    }

    /** Images/s of Scorer.score on these images prepared, batched as the worker does: up to batchCrops crops. */
    static double modelRate(ImagePreparer preparer, Scorer scorer, List<byte[]> images, int batchCrops, double seconds) throws Exception {
        List<PreparedImage> batch = new ArrayList<>();
        int crops = 0;
        for (int i = 0; ; i++) {
            PreparedImage p = preparer.prepare(images.get(i % images.size()), scorer.needsWholeImage());
            int c = p.tileCount() + (p.whole() != null ? 1 : 0);
            if (crops + c > batchCrops && !batch.isEmpty()) break;
            batch.add(p);
            crops += c;
        }
        long warm = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < warm) scorer.score(batch);
        long n = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            scorer.score(batch);
            n += batch.size();
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }

    static HttpServer serve(List<byte[]> images) throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/img/", exchange -> {
            // /img/<n>.jpg serves image n mod count: many distinct URLs, few distinct bytes.
            String name = exchange.getRequestURI().getPath().substring("/img/".length());
            byte[] body = images.get(Integer.parseInt(name.substring(0, name.indexOf('.'))) % images.size());
            exchange.getResponseHeaders().set("Content-Type", "image/jpeg");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.setExecutor(Executors.newFixedThreadPool(4));
        http.start();
        return http;
    }

    static void produce(KafkaProducer<String, byte[]> producer, String topic, String prefix, int count, String base, int distinct) {
        AvroSerde<ImageRef> refs = AvroSerde.of(ImageRef.class);
        for (int i = 0; i < count; i++) {
            String id = prefix + "-" + i;
            ImageRef ref = ImageRef.newBuilder().setId(id).setUri(base + i + ".jpg").setSource("bench")
                    .setAttributes(Map.of()).setProducedAt(Instant.now()).build();
            producer.send(new ProducerRecord<>(topic, id, refs.encode(ref)));
        }
        producer.flush();
    }

    /** Reads committed outputs until {@code count} records with the prefix arrived; latency per scored record. */
    static Counts await(KafkaConsumer<String, byte[]> consumer, String scoredTopic, String prefix, int count, long[] latencyMs) {
        AvroSerde<ScoredImage> scored = AvroSerde.of(ScoredImage.class);
        int ok = 0, failed = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (ok + failed < count) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("timed out: " + ok + " scored, " + failed + " failed of " + count);
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                if (r.key() == null || !r.key().startsWith(prefix)) continue;
                if (!r.topic().equals(scoredTopic)) {
                    failed++;
                    continue;
                }
                long seen = System.currentTimeMillis();
                if (latencyMs != null) latencyMs[ok] = seen - scored.decode(r.value()).getRef().getProducedAt().toEpochMilli();
                ok++;
            }
        }
        return new Counts(ok, failed);
    }

    static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    static KafkaConsumer<String, byte[]> consumer(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    static long heapPoolPeaksMb() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) sum += pool.getPeakUsage().getUsed();
        }
        return sum >> 20;
    }

    /** Samples used heap every 20 ms: the MXBean gives the current value only, and a peak between GCs is what matters. */
    static final class HeapSampler extends Thread {
        private final AtomicLong peak = new AtomicLong();
        private volatile boolean running = true;

        HeapSampler() {
            super("heap-sampler");
            setDaemon(true);
        }

        @Override
        public void run() {
            var memory = ManagementFactory.getMemoryMXBean();
            while (running) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(20); // a sampling period, not synchronisation
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void reset() {
            peak.set(0);
        }

        long peakMb() {
            return peak.get() >> 20;
        }

        @Override
        public void interrupt() {
            running = false;
            super.interrupt();
        }

        void stopSampling() {
            running = false;
        }
    }
}
