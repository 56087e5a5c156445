package dev.sieve.bench;

import ai.djl.Device;
import dev.sieve.avro.CropCombine;
import dev.sieve.image.PreparedImage;
import dev.sieve.model.CityHead;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.Scorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The model ceiling: crops/s of {@link Scorer#score} (CLIP forward over all crops, then every head) on random
 * prepared crops, at several batch sizes. Each image is one untiled crop, so a batch of B images is B crops.
 *
 * <p>Options: {@code --out DIR}, {@code --clip FILE} (TorchScript CLIP; default the committed fixture
 * models/fixtures/clip-tiny-336), {@code --heads DIR} (default models/fixtures/heads), {@code --batches 1,8,32},
 * {@code --seconds S} (time per batch size after warm-up, default 5).
 */
public final class ModelBench {

    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse(args);
        Path repo = Path.of(System.getProperty("sieve.repo", "..")).toAbsolutePath().normalize();
        Path clipFile = Path.of(options.string("clip", repo.resolve("models/fixtures/clip-tiny-336/clip-tiny-336.pt").toString()));
        Path headsDir = Path.of(options.string("heads", repo.resolve("models/fixtures/heads").toString()));
        double seconds = Double.parseDouble(options.string("seconds", "5"));

        BenchReport report = new BenchReport("model");
        report.row("batch (crops)", "forwards", "ms per batch", "crops/s");
        List<Map<String, Object>> results = new ArrayList<>();
        try (ClipEmbedder clip = ClipEmbedder.load(clipFile, Device.cpu());
             Scorer scorer = new Scorer(clip, heads(headsDir), CropCombine.MEAN)) {
            int size = clip.preprocessing().cropSize();
            int cropFloats = clip.preprocessing().cropFloats();
            for (String b : options.string("batches", "1,8,32").split(",")) {
                int batch = Integer.parseInt(b.trim());
                List<PreparedImage> images = randomImages(batch, size, cropFloats);
                for (int i = 0; i < 3; i++) scorer.score(images); // warm-up: libtorch's first-call allocations
                int forwards = 0;
                long start = System.nanoTime();
                long end = start + (long) (seconds * 1e9);
                while (System.nanoTime() < end || forwards < 3) {
                    scorer.score(images);
                    forwards++;
                }
                double elapsed = (System.nanoTime() - start) / 1e9;
                double cropsPerS = forwards * (double) batch / elapsed;
                report.row(batch, forwards, elapsed * 1000 / forwards, cropsPerS);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("batch", batch);
                r.put("forwards", forwards);
                r.put("ms_per_batch", elapsed * 1000 / forwards);
                r.put("crops_per_s", cropsPerS);
                results.add(r);
            }
            report.put("clip", repo.relativize(clipFile.toAbsolutePath().normalize()).toString())
                    .put("crop_size", size)
                    .put("heads", scorer.heads().size())
                    .put("device", "cpu")
                    .put("torch_threads", System.getProperty("ai.djl.pytorch.num_threads", "default"))
                    .put("results", results);
        }
        report.finish(options.out());
    }

    static List<CityHead> heads(Path dir) throws Exception {
        List<CityHead> heads = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList()) heads.add(CityHead.load(p, Device.cpu()));
        }
        return heads;
    }

    /** Untiled images of one crop each, normal-distributed like normalised pixels. */
    static List<PreparedImage> randomImages(int count, int size, int cropFloats) {
        Random random = new Random(count);
        List<PreparedImage> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] crop = new float[cropFloats];
            for (int j = 0; j < crop.length; j++) crop[j] = (float) random.nextGaussian();
            images.add(new PreparedImage(size, size, false, 1, crop, null, 0, 0));
        }
        return images;
    }
}
