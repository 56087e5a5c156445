package dev.sieve.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.EmbeddingPrecision;
import dev.sieve.avro.ImageEmbeddings;
import dev.sieve.avro.ImageRef;
import dev.sieve.image.clip.ClipPreprocessing;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.EmbeddedKafka;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.model.CityHead;
import dev.sieve.model.CityHeadWriter;
import dev.sieve.model.EmbeddingsRecord;
import dev.sieve.model.HeadSet;
import dev.sieve.model.ImageEmbeds;
import dev.sieve.rescore.Rescorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code sieve rescore} end to end on an embedded broker: N tiled images' fp32 embeddings (five crops and the untiled
 * one, random) on images.embeddings, one city96-size classifier head (768 → 1024, three labels, random weights), the
 * Rescorer reading them and writing ScoredImages in transactions. Reports images/s through Kafka, the head alone on the
 * same embeddings in memory, and the head's FLOP/s against a plain [rows x 768] x [768 x 1024] matrix multiply on the
 * same threads.
 *
 * <p>Options: {@code --out DIR}, {@code --images N} (default 20000), {@code --batch N} (images per poll, 2000),
 * {@code --partitions N} (2), {@code --threads N} (libtorch threads; default all cores).
 */
public final class RescoreBench {

    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse(args);
        int images = Integer.parseInt(options.string("images", "20000"));
        int batch = Integer.parseInt(options.string("batch", "2000"));
        int partitions = Integer.parseInt(options.string("partitions", "2"));
        String threads = options.string("threads", String.valueOf(Runtime.getRuntime().availableProcessors()));
        // The bench script pins libtorch to one thread for per-core figures; rescore is measured on the whole machine.
        System.setProperty("ai.djl.pytorch.num_threads", threads);
        Path temp = Files.createTempDirectory("rescore-bench");
        Path headFile = randomHead(temp);
        BenchReport report = new BenchReport("rescore");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0); CityHead head = CityHead.load(headFile, Device.cpu())) {
            String bootstrap = kafka.bootstrapServers();
            kafka.createTopics(partitions, "images.embeddings", "images.scored");
            List<ImageEmbeds> sample = publish(bootstrap, images);
            HeadSet heads = new HeadSet(List.of(head), CropCombine.MEAN, Map.of());

            // The head alone, in memory, on batches of the same size.
            for (int i = 0; i < 3; i++) heads.score(sample);
            long t0 = System.nanoTime();
            int rounds = 0;
            while (System.nanoTime() - t0 < 5e9 || rounds < 3) {
                heads.score(sample);
                rounds++;
            }
            double headOnly = rounds * (double) sample.size() / ((System.nanoTime() - t0) / 1e9);

            var config = new Rescorer.Config(bootstrap, "images.embeddings", "images.scored", "bench", "bench", batch, Duration.ofSeconds(60));
            Rescorer.Result result = new Rescorer(config, heads).run(System.out);

            double flopPerCrop = 2.0 * (768 * 1024 + 3 * 1024 * 1024 + 1024 * 128 + 128 * 64 + 64 * 32 + 32 * 3);
            double flopPerImage = 5 * flopPerCrop;
            double matmul = matmulFlops(batch * 5);
            report.row("measure", "value");
            report.row("images", result.rescored());
            report.row("images/s through Kafka", result.imagesPerSecond());
            report.row("images/s, head alone", headOnly);
            report.row("head GFLOP/s through Kafka", result.imagesPerSecond() * flopPerImage / 1e9);
            report.row("head GFLOP/s alone", headOnly * flopPerImage / 1e9);
            report.row("matmul GFLOP/s", matmul / 1e9);
            report.row("fraction of matmul (Kafka)", result.imagesPerSecond() * flopPerImage / matmul);
            report.row("fraction of matmul (alone)", headOnly * flopPerImage / matmul);
            report.put("images", result.rescored()).put("batch", batch).put("partitions", partitions).put("torch_threads", threads)
                    .put("seconds", result.seconds()).put("transactions", result.transactions())
                    .put("images_per_s", result.imagesPerSecond()).put("head_only_images_per_s", headOnly)
                    .put("flop_per_image", flopPerImage).put("matmul_flop_per_s", matmul);
        }
        report.finish(options.out());
    }

    private static Path randomHead(Path dir) throws Exception {
        SplittableRandom random = new SplittableRandom(1);
        Map<String, float[]> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : CityHead.expectedShapes(768, 1024, 3).entrySet()) {
            long n = 1;
            for (long d : e.getValue()) n *= d;
            float[] v = new float[(int) n];
            double bound = 1 / Math.sqrt(e.getValue()[e.getValue().length - 1]);
            for (int i = 0; i < v.length; i++) v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
            tensors.put(e.getKey(), v);
        }
        return CityHeadWriter.write(dir, "BenchHead", "v1.0", List.of("Pass", "JPEG", "WEBP"), 768, 1024, tensors);
    }

    /** Writes the records; returns one poll's worth of them (a batch) for the in-memory figure. */
    private static List<ImageEmbeds> publish(String bootstrap, int images) {
        var serde = AvroSerde.of(ImageEmbeddings.class);
        SplittableRandom random = new SplittableRandom(2);
        List<ImageEmbeds> sample = new ArrayList<>();
        var props = KafkaSettings.of(bootstrap).props();
        props.put("linger.ms", "20");
        props.put("batch.size", String.valueOf(1 << 20));
        try (var producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < images; i++) {
                float[][] crops = new float[5][768];
                float[] whole = new float[768];
                for (float[] c : crops) for (int j = 0; j < 768; j++) c[j] = (float) random.nextGaussian();
                for (int j = 0; j < 768; j++) whole[j] = (float) random.nextGaussian();
                ImageEmbeds e = new ImageEmbeds(crops, whole);
                if (sample.size() < 2000) sample.add(e);
                String id = String.format("img-%08d", i);
                ImageEmbeddings record = EmbeddingsRecord.of(new ImageRef(id, "https://example.invalid/" + id + ".jpg", "bench", Map.of(), Instant.EPOCH, 0),
                        2000, 1500, "clip-vit-large-patch14-336", "0".repeat(64), ClipPreprocessing.openaiClip336(), true, e,
                        EmbeddingPrecision.FLOAT32, Instant.EPOCH);
                producer.send(new ProducerRecord<>("images.embeddings", id, serde.encode(record)));
            }
            producer.flush();
        }
        return sample;
    }

    private static double matmulFlops(int rows) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray a = m.randomNormal(new Shape(rows, 768));
            NDArray b = m.randomNormal(new Shape(768, 1024));
            for (int i = 0; i < 3; i++) a.matMul(b).close();
            long t0 = System.nanoTime();
            int n = 0;
            while (System.nanoTime() - t0 < 3e9 || n < 3) {
                a.matMul(b).close();
                n++;
            }
            return n * 2.0 * rows * 768 * 1024 / ((System.nanoTime() - t0) / 1e9);
        }
    }
}
