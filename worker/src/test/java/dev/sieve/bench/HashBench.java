package dev.sieve.bench;

import dev.sieve.fetch.Fetched;
import dev.sieve.image.PerceptualHash;
import dev.sieve.image.Pixels;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.decode.ImageDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The near-duplicate threshold and the cost of the hashes in every scored record (issue 19).
 *
 * <p>On the corpus scripts/near_dups.py writes (distinct pictures, and copies of each: re-encoded JPEG q70-95, resized
 * 0.5-0.9x, cropped 1-5 % a side, all three at once, saved as PNG), decoded as the worker decodes them: for every
 * Hamming threshold, the recall (copies within it of their original) and the false-positive rate (pairs of different
 * pictures, originals and copies, within it). And per image, on one core: sha256 of the bytes and the perceptual hash
 * of the decoded pixels, in µs (decoding itself is the worker's anyway and not counted).
 *
 * <p>Options: {@code --out DIR}, {@code --corpus DIR} (default OUT/near-dups, made by scripts/bench hashes),
 * {@code --passes N} timed passes (default 5, after one warm-up).
 */
public final class HashBench {

    private record Image(String name, String original, String kind, byte[] bytes, Pixels pixels) {}

    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse(args);
        Path corpus = Path.of(options.string("corpus", options.out().resolve("near-dups").toString()));
        int passes = options.integer("passes", 5);
        ImageDecoder decoder = new ImageDecoder(DecodeOptions.defaults());
        List<Image> images = new ArrayList<>();
        for (String folder : List.of("orig", "copy")) {
            try (Stream<Path> files = Files.list(corpus.resolve(folder))) {
                for (Path f : files.sorted().toList()) {
                    String name = f.getFileName().toString();
                    String base = name.substring(0, name.indexOf('.'));
                    int dash = base.indexOf('-');
                    byte[] bytes = Files.readAllBytes(f);
                    images.add(new Image(name, dash < 0 ? base : base.substring(0, dash), dash < 0 ? "orig" : base.substring(dash + 1),
                            bytes, decoder.decode(bytes)));
                }
            }
        }
        long[] hashes = new long[images.size()];
        for (int i = 0; i < images.size(); i++) hashes[i] = PerceptualHash.of(images.get(i).pixels());

        // Positives: each copy against its original. Negatives: every pair of images of different pictures.
        Map<String, Integer> originalIndex = new LinkedHashMap<>();
        for (int i = 0; i < images.size(); i++) if (images.get(i).kind().equals("orig")) originalIndex.put(images.get(i).original(), i);
        Map<String, int[]> positives = new TreeMap<>(); // kind -> histogram of distances
        int[] all = new int[65];
        int positiveCount = 0;
        for (int i = 0; i < images.size(); i++) {
            Image image = images.get(i);
            if (image.kind().equals("orig")) continue;
            int d = PerceptualHash.distance(hashes[i], hashes[originalIndex.get(image.original())]);
            positives.computeIfAbsent(image.kind(), k -> new int[65])[d]++;
            all[d]++;
            positiveCount++;
        }
        long[] negatives = new long[65];
        long negativeCount = 0;
        for (int i = 0; i < images.size(); i++) {
            for (int j = i + 1; j < images.size(); j++) {
                if (images.get(i).original().equals(images.get(j).original())) continue;
                negatives[PerceptualHash.distance(hashes[i], hashes[j])]++;
                negativeCount++;
            }
        }

        BenchReport report = new BenchReport("hashes");
        List<String> kinds = new ArrayList<>(positives.keySet());
        List<Object> header = new ArrayList<>(List.of("threshold", "recall"));
        kinds.forEach(k -> header.add("recall " + k));
        header.add("false positives");
        header.add("FP rate");
        report.row(header.toArray());
        List<Map<String, Object>> table = new ArrayList<>();
        int chosen = -1;
        for (int t = 0; t <= 24; t++) {
            double recall = cumulative(all, t) / (double) positiveCount;
            long fp = cumulative(negatives, t);
            double fpRate = fp / (double) negativeCount;
            List<Object> row = new ArrayList<>(List.of(t, String.format("%.4f", recall)));
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("threshold", t);
            json.put("recall", recall);
            for (String k : kinds) {
                int[] h = positives.get(k);
                double r = cumulative(h, t) / (double) java.util.Arrays.stream(h).sum();
                row.add(String.format("%.4f", r));
                json.put("recall_" + k, r);
            }
            row.add(fp);
            row.add(String.format("%.2e", fpRate));
            json.put("false_positives", fp);
            json.put("false_positive_rate", fpRate);
            table.add(json);
            report.row(row.toArray());
            if (chosen < 0 && fpRate == 0 && recall > 0 && cumulative(negatives, t + 1) > 0) chosen = t;
        }

        // Cost per image, one thread: sha256 of the encoded bytes, the hash of the decoded pixels.
        double sha = 0;
        double phash = 0;
        long sink = 0;
        for (int pass = 0; pass <= passes; pass++) {
            long t0 = System.nanoTime();
            for (Image image : images) sink += Fetched.sha256(image.bytes()).charAt(0);
            long t1 = System.nanoTime();
            for (Image image : images) sink += PerceptualHash.of(image.pixels());
            long t2 = System.nanoTime();
            if (pass > 0) {
                sha += (t1 - t0) / 1e3 / images.size() / passes;
                phash += (t2 - t1) / 1e3 / images.size() / passes;
            }
        }
        double megapixels = images.stream().mapToDouble(i -> (double) i.pixels().width() * i.pixels().height()).average().orElse(0) / 1e6;
        double kib = images.stream().mapToDouble(i -> i.bytes().length).average().orElse(0) / 1024;
        report.put("corpus", corpus.toString()).put("images", images.size()).put("positive_pairs", positiveCount)
                .put("negative_pairs", negativeCount).put("thresholds", table)
                .put("largest_threshold_without_false_positives", chosen)
                .put("sha256_us_per_image", sha).put("perceptual_hash_us_per_image", phash)
                .put("mean_megapixels", megapixels).put("mean_kib", kib).put("checksum", sink);
        report.finish(options.out());
        System.out.printf("%d images (%.2f MP, %.0f KiB on average), %d copy pairs, %d pairs of different pictures%n",
                images.size(), megapixels, kib, positiveCount, negativeCount);
        System.out.printf("largest threshold without a false positive here: %d%n", chosen);
        System.out.printf("per image, one thread: sha256 %.0f µs, perceptual hash %.0f µs%n", sha, phash);
    }

    private static long cumulative(int[] histogram, int upTo) {
        long n = 0;
        for (int d = 0; d <= upTo && d < histogram.length; d++) n += histogram[d];
        return n;
    }

    private static long cumulative(long[] histogram, int upTo) {
        long n = 0;
        for (int d = 0; d <= upTo && d < histogram.length; d++) n += histogram[d];
        return n;
    }
}
