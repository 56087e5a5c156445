package dev.sieve.bench;

import dev.sieve.fetch.Fetched;
import dev.sieve.image.PerceptualHash;
import dev.sieve.image.Pixels;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.decode.ImageDecoder;
import dev.sieve.sort.NearDuplicates;
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
 * <p>Then the near-duplicate groups ({@link NearDuplicates}, written to near-duplicate-groups.json): on the corpus at
 * the default distance, how many copies land in their original's group (group recall: transitivity can find a copy
 * through another copy) and how many pictures were merged with another; and the cost of grouping per image, one
 * thread, on N random hashes shaped like the perceptual hash's (32 of 64 bits set) of which a share are planted copies
 * (an earlier hash with 2-10 bits moved), checked against brute force where that takes seconds, counting the pairs of
 * unrelated hashes that fall within the distance by chance.
 *
 * <p>Options: {@code --out DIR}, {@code --corpus DIR} (default OUT/near-dups, made by scripts/bench hashes),
 * {@code --passes N} timed passes (default 5, after one warm-up), {@code --group-sizes 10000,100000,1000000},
 * {@code --planted 0.3} (share of planted copies), {@code --only groups} (skip the threshold and hash-cost tables).
 */
public final class HashBench {

    private record Image(String name, String original, String kind, byte[] bytes, Pixels pixels) {}

    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse(args);
        Path corpus = Path.of(options.string("corpus", options.out().resolve("near-dups").toString()));
        int passes = options.integer("passes", 5);
        boolean onlyGroups = options.string("only", "").equals("groups");
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
        groups(options, images, hashes);
        if (onlyGroups) return;

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

    /** The corpus's groups at the default distance, then the cost of grouping N planted random hashes. */
    private static void groups(BenchOptions options, List<Image> images, long[] hashes) throws Exception {
        int distance = PerceptualHash.NEAR_DUPLICATE_DISTANCE;
        int[] group = NearDuplicates.components(hashes, distance);
        Map<String, java.util.Set<Integer>> groupsOfPicture = new TreeMap<>();
        Map<Integer, java.util.Set<String>> picturesOfGroup = new TreeMap<>();
        for (int i = 0; i < images.size(); i++) {
            groupsOfPicture.computeIfAbsent(images.get(i).original(), k -> new java.util.HashSet<>()).add(group[i]);
            picturesOfGroup.computeIfAbsent(group[i], k -> new java.util.TreeSet<>()).add(images.get(i).original());
        }
        Map<String, Integer> originalIndex = new LinkedHashMap<>();
        for (int i = 0; i < images.size(); i++) if (images.get(i).kind().equals("orig")) originalIndex.put(images.get(i).original(), i);
        int copies = 0;
        int joined = 0;
        for (int i = 0; i < images.size(); i++) {
            if (images.get(i).kind().equals("orig")) continue;
            copies++;
            if (group[i] == group[originalIndex.get(images.get(i).original())]) joined++;
        }
        long exact = groupsOfPicture.entrySet().stream().filter(e -> e.getValue().size() == 1
                && picturesOfGroup.get(e.getValue().iterator().next()).size() == 1).count();
        long merged = picturesOfGroup.values().stream().filter(p -> p.size() > 1).mapToLong(java.util.Set::size).sum();
        double groupRecall = joined / (double) copies;

        BenchReport report = new BenchReport("near-duplicate-groups");
        report.row("hashes", "planted copies", "blocks", "µs per image", "passes", "groups", "chance pairs", "= brute force");
        double planted = Double.parseDouble(options.string("planted", "0.3"));
        List<Map<String, Object>> table = new ArrayList<>();
        java.util.Random random = new java.util.Random(19);
        for (String size : options.string("group-sizes", "10000,100000,1000000").split(",")) {
            int n = Integer.parseInt(size.trim());
            long[] feed = new long[n];
            int[] planted0 = new int[n]; // the planted group: the first hash a copy was made from
            for (int i = 0; i < n; i++) {
                if (i > 0 && random.nextDouble() < planted) {
                    int of = random.nextInt(i);
                    feed[i] = moveBits(random, feed[of], 1 + random.nextInt(distance / 2));
                    planted0[i] = planted0[of];
                } else {
                    feed[i] = balanced(random);
                    planted0[i] = i;
                }
            }
            int passes = n >= 1_000_000 ? 3 : n >= 100_000 ? 5 : 20;
            int[] found = null;
            double best = Double.MAX_VALUE;
            NearDuplicates.components(feed, distance); // warm-up
            for (int pass = 0; pass < passes; pass++) {
                long t0 = System.nanoTime();
                found = NearDuplicates.components(feed, distance);
                best = Math.min(best, (System.nanoTime() - t0) / 1e3 / n);
            }
            // Chance pairs: images joined to a planted group not their own (each such join is a pair of unrelated hashes
            // within the distance, or a chain of them).
            Map<Integer, Integer> plantedOfFound = new java.util.HashMap<>();
            long chance = 0;
            for (int i = 0; i < n; i++) {
                Integer seen = plantedOfFound.putIfAbsent(found[i], planted0[i]);
                if (seen != null && seen != planted0[i]) chance++;
            }
            long groupCount = java.util.Arrays.stream(found).distinct().count();
            String brute = "not run";
            if (n <= 100_000) brute = java.util.Arrays.equals(found, bruteForce(feed, distance)) ? "yes" : "NO";
            int blocks = dev.sieve.sort.NearDuplicatesBench.blocksFor(n, distance);
            System.out.printf("grouping %d hashes: %.2f µs per image (%d blocks), %d joined by chance, brute force: %s%n",
                    n, best, blocks, chance, brute);
            report.row(n, String.format("%.0f %%", planted * 100), blocks, String.format("%.2f", best), passes, groupCount, chance, brute);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("hashes", n);
            json.put("planted_share", planted);
            json.put("blocks", blocks);
            json.put("us_per_image", best);
            json.put("passes", passes);
            json.put("groups", groupCount);
            json.put("images_joined_by_chance", chance);
            json.put("equals_brute_force", brute);
            table.add(json);
        }
        report.put("distance", distance).put("corpus_images", images.size()).put("corpus_copies", copies)
                .put("group_recall", groupRecall).put("pictures_recovered_exactly", exact).put("pictures", groupsOfPicture.size())
                .put("pictures_merged_with_another", merged).put("cost", table);
        report.finish(options.out());
        System.out.printf("corpus, distance %d: group recall %.3f (%d of %d copies in their original's group), %d of %d pictures "
                        + "recovered exactly, %d merged with another picture%n",
                distance, groupRecall, joined, copies, exact, groupsOfPicture.size(), merged);
    }

    /** 64 bits, 32 of them set, as every perceptual hash has. */
    private static long balanced(java.util.Random random) {
        long h = 0;
        while (Long.bitCount(h) < 32) h |= 1L << random.nextInt(64);
        return h;
    }

    /** {@code hash} with {@code k} set bits cleared and {@code k} clear bits set: 2k bits away, still 32 set. */
    private static long moveBits(java.util.Random random, long hash, int k) {
        long out = hash;
        for (int moved = 0; moved < k; ) {
            int on = random.nextInt(64);
            int off = random.nextInt(64);
            if ((out >>> on & 1) == 1 && (hash >>> on & 1) == 1 && (out >>> off & 1) == 0 && (hash >>> off & 1) == 0) {
                out ^= (1L << on) | (1L << off);
                moved++;
            }
        }
        return out;
    }

    private static int[] bruteForce(long[] hashes, int distance) {
        return dev.sieve.sort.NearDuplicatesBench.bruteForce(hashes, distance);
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
