package dev.sieve.bench;

import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.sieve.avro.FailedImage;
import dev.sieve.avro.ImageRef;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.EmbeddedKafka;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One burst of image references through the real `sieve work` in its own JVM: a loopback HTTP server serves the
 * given images ({@code /img/K/ID} answers image K), the references are produced once the worker is consuming, and
 * every reference is followed until it is on the scored or the failed topic, or the worker died. The worker's heap is
 * read from its GC log ({@code -Xlog:gc} and the heap at exit), its RSS from /proc (VmHWM) before it is stopped.
 * Used by {@code scripts/bench heap} ({@link HeapBench}) and by the worker's burst test.
 */
public final class ChildWorkerBurst {
    private static final AvroSerde<ImageRef> REFS = AvroSerde.of(ImageRef.class);
    private static final AvroSerde<FailedImage> FAILED = AvroSerde.of(FailedImage.class);
    /** A unified-logging GC line's "before->after(committed)" in MB. */
    private static final Pattern GC_LINE = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");
    /** -Xlog:gc+heap+exit: each generation's (Serial) or the whole heap's (G1) "total NK, used NK". */
    private static final Pattern EXIT_USED = Pattern.compile("total \\d+K, used (\\d+)K");

    /**
     * What came of one burst.
     *
     * @param outcomes       references that ended on the scored or failed topic (each counted once)
     * @param failures       failure codes of the failed ones, with counts
     * @param workerDied     the worker exited before every reference ended
     * @param outOfMemory    the worker's log mentions OutOfMemoryError
     * @param seconds        from producing the burst to its last outcome (or to the worker's death)
     * @param peakHeapMb     largest heap used the GC log shows (before a collection, or at exit): garbage included
     * @param peakAfterGcMb  largest heap used right after a collection: about the most data that was live at once
     * @param peakRssMb      the worker process's VmHWM
     */
    public record Result(String name, int refs, int outcomes, int scored, int failed, Map<String, Integer> failures,
                         boolean workerDied, boolean outOfMemory, double seconds, long peakHeapMb, long peakAfterGcMb,
                         long peakRssMb, Path log) {

        public double imagesPerSecond() {
            return outcomes / seconds;
        }

        public String logText() {
            try {
                return Files.readString(log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }
    }

    /**
     * In the images list: a body that never ends, sent chunked (no Content-Length), 64 KiB at a time until the
     * worker hangs up. Compared by identity.
     */
    public static final byte[] ENDLESS_CHUNKED = new byte[0];

    private ChildWorkerBurst() {
    }

    /**
     * Runs one burst: reference i is image {@code imageOfRef.get(i)}.
     *
     * @param jvm        the child's JVM options (heap size, GC); the GC log options are added
     * @param workerArgs `sieve work` options beyond the topics, group, model and the loopback permission
     */
    public static Result run(EmbeddedKafka broker, Path dir, String name, List<byte[]> images, List<Integer> imageOfRef,
                             List<String> jvm, List<String> workerArgs, Duration timeout) throws Exception {
        Files.createDirectories(dir);
        Path repo = Path.of(System.getProperty("sieve.repo", "..")).toAbsolutePath().normalize();
        String in = name + ".in", scored = name + ".scored", failed = name + ".failed";
        broker.createTopics(2, in, scored, failed);
        Path log = dir.resolve(name + ".log");
        Path gcLog = dir.resolve(name + ".gc.log");
        Files.deleteIfExists(log);
        Files.deleteIfExists(gcLog);
        HttpServer http = serve(images);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvm);
        command.addAll(List.of("-Xlog:gc,gc+heap+exit:file=" + gcLog,
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "-cp", System.getProperty("java.class.path"), "dev.sieve.cli.Sieve", "work",
                "--clip", repo.resolve("models/fixtures/clip-tiny-336/clip-tiny-336.pt").toString(),
                "--heads-dir", repo.resolve("models/fixtures/heads").toString(),
                "-b", broker.bootstrapServers(), "--group", name + "-workers", "--worker-id", name + "-worker",
                "--input-topic", in, "--scored-topic", scored, "--failed-topic", failed,
                "--metrics-port", "0", "--allow-private-addresses"));
        command.addAll(workerArgs);
        Process worker = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (KafkaConsumer<String, byte[]> consumer = EndToEndBench.consumer(broker.bootstrapServers());
             KafkaProducer<String, byte[]> producer = EndToEndBench.producer(broker.bootstrapServers())) {
            List<TopicPartition> outputs = new ArrayList<>();
            for (String t : List.of(scored, failed)) {
                for (int p = 0; p < 2; p++) outputs.add(new TopicPartition(t, p));
            }
            consumer.assign(outputs);
            consumer.seekToBeginning(outputs);
            await(name + " worker starts; see " + log).atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                    .until(() -> !worker.isAlive() || Files.readString(log).contains(" consuming " + in));

            String base = "http://127.0.0.1:" + http.getAddress().getPort() + "/img/";
            long start = System.nanoTime();
            for (int i = 0; i < imageOfRef.size(); i++) {
                String id = name + "-" + i;
                ImageRef ref = ImageRef.newBuilder().setId(id).setUri(base + imageOfRef.get(i) + "/" + id)
                        .setSource("heap-burst").setAttributes(Map.of()).setProducedAt(Instant.now()).build();
                producer.send(new ProducerRecord<>(in, id, REFS.encode(ref)));
            }
            producer.flush();

            Set<String> ended = new HashSet<>();
            int nScored = 0;
            Map<String, Integer> failures = new TreeMap<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (ended.size() < imageOfRef.size() && worker.isAlive() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (!ended.add(r.key())) continue;
                    if (r.topic().equals(scored)) {
                        nScored++;
                    } else {
                        failures.merge(FAILED.decode(r.value()).getCode().toString(), 1, Integer::sum);
                    }
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            boolean died = !worker.isAlive() && ended.size() < imageOfRef.size();
            long rssMb = worker.isAlive() ? vmHwmMb(worker.pid()) : -1;
            worker.destroy(); // SIGTERM: the worker drains and exits; the GC log then gets the heap at exit
            if (!worker.waitFor(60, TimeUnit.SECONDS)) worker.destroyForcibly().waitFor();
            long[] heap = peakHeapMb(gcLog);
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return new Result(name, imageOfRef.size(), ended.size(), nScored, ended.size() - nScored, failures, died,
                    text.contains("OutOfMemoryError"), seconds, heap[0], heap[1], rssMb, log);
        } finally {
            if (worker.isAlive()) worker.destroyForcibly().waitFor();
            http.stop(0);
            ((ExecutorService) http.getExecutor()).shutdownNow();
        }
    }

    /**
     * A generated photo-like image (gradients, shapes; with sensor-like noise or not: without it a PNG compresses
     * far more), encoded as "jpeg" or "png". Same size and format, same bytes.
     */
    public static byte[] image(int width, int height, String format, boolean noise) throws IOException {
        return BenchImages.encode(BenchImages.draw(width, height, (long) width * 31 + height, noise), format);
    }

    /**
     * An 8-bit RGBA PNG (colour type 6) with smooth colour and alpha gradients: it compresses well, so a 169 MP one
     * stays a few MB, and Pillow resizes it premultiplied ("RGBa").
     */
    public static byte[] rgbaPng(int width, int height) throws IOException {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(width, height,
                java.awt.image.BufferedImage.TYPE_INT_ARGB);
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int a = 255 * x / width;
                int r = 255 * y / height;
                int g = (x / 64 + y / 64) % 2 == 0 ? 40 : 200;
                row[x] = (a << 24) | (r << 16) | (g << 8) | (255 - r);
            }
            image.setRGB(0, y, width, 1, row, 0, width);
        }
        return BenchImages.encode(image, "png");
    }

    /** Bytes that are no image (a prepare thread refuses them at once), {@code size} of them. */
    public static byte[] junk(int size) {
        byte[] b = new byte[size];
        new java.util.Random(size).nextBytes(b);
        b[0] = 'j';
        return b;
    }

    /**
     * {largest heap used seen in the GC log, largest heap used right after a collection}, in MB. A young collection
     * that frees nothing (promotion failed) is followed at once by a full one: the full one's result counts.
     */
    static long[] peakHeapMb(Path gcLog) throws IOException {
        long peak = 0;
        long afterGc = 0;
        long pendingAfter = -1;
        long exitKb = 0;
        if (!Files.exists(gcLog)) return new long[] {-1, -1};
        for (String line : Files.readAllLines(gcLog)) {
            Matcher m = GC_LINE.matcher(line);
            if (m.find()) {
                long before = Long.parseLong(m.group(1));
                long after = Long.parseLong(m.group(2));
                peak = Math.max(peak, Math.max(before, after));
                if (!line.contains("Pause Full") && pendingAfter >= 0) afterGc = Math.max(afterGc, pendingAfter);
                pendingAfter = after;
            }
            if (line.contains("gc,heap,exit")) {
                Matcher u = EXIT_USED.matcher(line);
                while (u.find()) exitKb += Long.parseLong(u.group(1));
            }
        }
        if (pendingAfter >= 0) afterGc = Math.max(afterGc, pendingAfter);
        return new long[] {Math.max(peak, exitKb >> 10), afterGc};
    }

    /** The process's peak resident set (VmHWM), in MB; -1 where /proc cannot tell. */
    static long vmHwmMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) >> 10;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }

    private static HttpServer serve(List<byte[]> images) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        // Enough for every endless body at once beside the ordinary ones.
        ExecutorService threads = Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, "burst-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(threads);
        http.createContext("/img/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath().substring("/img/".length());
                byte[] body = images.get(Integer.parseInt(path.substring(0, path.indexOf('/'))));
                if (body == ENDLESS_CHUNKED) {
                    exchange.sendResponseHeaders(200, 0);
                    byte[] chunk = junk(64 << 10);
                    while (true) exchange.getResponseBody().write(chunk); // ends when the worker hangs up
                }
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        http.start();
        return http;
    }
}
