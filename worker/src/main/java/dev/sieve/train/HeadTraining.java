package dev.sieve.train;

import ai.djl.Device;
import dev.sieve.StageException;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.ImageEmbeddings;
import dev.sieve.avro.ScoredImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.TopicReader;
import dev.sieve.model.CityHead;
import dev.sieve.model.CityHeadWriter;
import dev.sieve.model.EmbeddingsRecord;
import dev.sieve.model.HeadSet;
import dev.sieve.model.ImageEmbeds;
import dev.sieve.model.ImageScore;
import dev.sieve.model.SafetensorsFile;
import dev.sieve.model.ScoreHead;
import dev.sieve.sort.CuratedLabels;
import dev.sieve.sort.HeadFamily;
import dev.sieve.sort.TagRules;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.kafka.common.errors.SerializationException;

/**
 * {@code sieve train}: the next revision of a classifier head from the kept embeddings and the curated classes
 * ({@link CuratedLabels}: bucket membership with every correction applied, excluded images left out). Holds out a
 * stratified share of the images (fixed seed), trains on the rest ({@link HeadTrainer}), writes the revision in
 * city96's format next to nothing it could overwrite, and scores the held-out images with the previous revision and
 * the new one the way the worker scores (mean over the crops, top label).
 */
public final class HeadTraining {
    private static final AvroSerde<ImageEmbeddings> EMBEDDINGS = AvroSerde.of(ImageEmbeddings.class);
    /** Mixed into the seed for the split, so that the split does not move when only the training seed does. */
    private static final long SPLIT_SALT = 0x5eed5eedL;

    /**
     * @param previous the current revision's .safetensors (its .config.json beside it gives labels and sizes)
     * @param out      where the new revision's files go
     * @param revision the new revision's name; null: the previous one counted up (v1.16 → v1.17)
     * @param heldOut  the share of each class's images kept out of training for the comparison, in [0, 1)
     */
    public record Config(String bootstrap, String scoredTopic, String correctionsTopic, String embeddingsTopic,
                         Path previous, Path out, String revision, TrainingRecipe recipe, double heldOut,
                         long splitSeed, TagRules rules, Duration stallTimeout) {
        public Config {
            if (!(heldOut >= 0 && heldOut < 1)) throw new IllegalArgumentException("--held-out must be in [0, 1), got " + heldOut);
        }
    }

    /**
     * @param weights         the new revision's .safetensors
     * @param trained         images trained on, per class
     * @param heldOutImages   images held out
     * @param excluded        images a reviewer excluded from the head
     * @param unlabelled      images in no bucket of the head, or under a label it does not have
     * @param withoutEmbeddings labelled images whose embeddings are not on the embeddings topic
     * @param before          the previous revision on the held-out images
     * @param after           the new revision on the same images
     */
    public record Result(Path weights, String name, String revision, Map<String, Integer> trained, int heldOutImages,
                         long excluded, long unlabelled, long withoutEmbeddings, Confusion before, Confusion after,
                         long trainMillis) {}

    private HeadTraining() {
    }

    /** Plain connections to the config's servers (tests); the command passes its client settings. */
    public static Result run(Config config, PrintStream progress) throws IOException {
        return run(config, KafkaSettings.of(config.bootstrap()), progress);
    }

    public static Result run(Config config, KafkaSettings kafka, PrintStream progress) throws IOException {
        Map<String, SafetensorsFile.Tensor> previousTensors = SafetensorsFile.read(config.previous()).tensors();
        List<String> labels;
        String previousName;
        String previousRevision;
        int features;
        try (CityHead previous = CityHead.load(config.previous(), Device.cpu())) {
            if (!previous.head().exclusiveClasses()) throw notAClassifier(previous);
            labels = previous.labels();
            previousName = previous.name();
            previousRevision = previous.revision();
            features = previous.features();
        }
        int hidden = Math.toIntExact(previousTensors.get("up.0.weight").shape()[0]);
        String family = HeadFamily.of(previousName, previousRevision);
        String revision = config.revision() != null ? config.revision() : Revisions.next(previousRevision);
        CityHeadWriter.checkFree(config.out(), family, revision); // before minutes of training, not after

        TopicReader reader = new TopicReader(kafka, "sieve-train", config.stallTimeout(), progress);
        CuratedLabels curated = CuratedLabels.read(reader, kafka, config.scoredTopic(), config.correctionsTopic(), config.rules());
        Map<String, ImageEmbeddings> embeddings = new HashMap<>();
        reader.read(Pattern.compile(Pattern.quote(config.embeddingsTopic())), r -> {
            if (r.key() == null) return;
            if (r.value() == null) {
                embeddings.remove(r.key());
                return;
            }
            try {
                embeddings.put(r.key(), EMBEDDINGS.decode(r.value()));
            } catch (SerializationException e) {
                progress.printf("skipping an unreadable embeddings record at %s-%d@%d: %s%n", r.topic(), r.partition(), r.offset(), e.getMessage());
            }
        });

        Map<Integer, List<HeadTrainer.Sample>> byClass = new TreeMap<>();
        long excluded = 0, unlabelled = 0, without = 0;
        TreeSet<String> digests = new TreeSet<>();
        for (ScoredImage image : curated.images()) {
            for (Map.Entry<HeadScore, CuratedLabels.Curated> e : curated.classes(image).entrySet()) {
                if (!HeadFamily.of(e.getKey().getName(), e.getKey().getRevision()).equals(family)) continue;
                CuratedLabels.Curated c = e.getValue();
                if (c instanceof CuratedLabels.Excluded) {
                    excluded++;
                } else if (c instanceof CuratedLabels.Labelled l && labels.contains(l.label())) {
                    ImageEmbeddings stored = embeddings.get(image.getRef().getId());
                    if (stored == null) {
                        without++;
                        continue;
                    }
                    ImageEmbeds embeds;
                    try {
                        embeds = EmbeddingsRecord.read(stored, features);
                    } catch (IllegalArgumentException bad) {
                        progress.printf("skipping the embeddings of %s: %s%n", image.getRef().getId(), bad.getMessage());
                        without++;
                        continue;
                    }
                    digests.add(stored.getClipId() + " " + stored.getClipDigest());
                    byClass.computeIfAbsent(labels.indexOf(l.label()), k -> new ArrayList<>())
                            .add(new HeadTrainer.Sample(image.getRef().getId(), embeds.crops(), labels.indexOf(l.label())));
                } else {
                    unlabelled++;
                }
            }
        }
        if (digests.size() > 1) {
            throw new IllegalArgumentException("the embeddings come from " + digests.size() + " CLIP files " + digests
                    + "; a head is trained on one CLIP's embeddings: rescore or re-embed with one");
        }
        if (byClass.size() < 2) {
            throw new IllegalArgumentException("images in " + byClass.size() + " of " + family + "'s classes; training a "
                    + "classifier needs at least two (labelled images with embeddings: " + count(byClass) + ")");
        }

        List<HeadTrainer.Sample> train = new ArrayList<>();
        List<HeadTrainer.Sample> held = new ArrayList<>();
        split(byClass, config.heldOut(), config.splitSeed() ^ SPLIT_SALT, train, held);
        Map<String, Integer> trainedPerClass = new LinkedHashMap<>();
        for (HeadTrainer.Sample s : train) trainedPerClass.merge(labels.get(s.label()), 1, Integer::sum);
        progress.printf("training %s %s from %s: %d images %s, %d held out, %d excluded, %d unlabelled, %d without embeddings%n",
                family, revision, previousName, train.size(), trainedPerClass, held.size(), excluded, unlabelled, without);

        Map<String, float[]> start = new LinkedHashMap<>();
        previousTensors.forEach((k, t) -> start.put(k, t.values()));
        long steps = config.recipe().steps();
        long[] nextReport = {Math.max(1, steps / 10)};
        double[] lossSum = {0, 0};
        long t0 = System.nanoTime();
        Map<String, float[]> trained = new HeadTrainer(features, hidden, labels.size()).train(start, train, config.recipe(), (seen, loss) -> {
            lossSum[0] += loss;
            lossSum[1]++;
            if (seen >= nextReport[0]) {
                progress.printf(java.util.Locale.ROOT, "  %d / %d samples, mean loss %.4e%n", seen, steps, lossSum[0] / lossSum[1]);
                nextReport[0] += Math.max(1, steps / 10);
                lossSum[0] = 0;
                lossSum[1] = 0;
            }
        });
        long trainMillis = (System.nanoTime() - t0) / 1_000_000;
        Path weights = CityHeadWriter.write(config.out(), family, revision, labels, features, hidden, trained);
        progress.printf("wrote %s (+ .config.json) in %.1f s%n", weights, trainMillis / 1000.0);

        Confusion before = evaluate(config.previous(), labels, held);
        Confusion after = evaluate(weights, labels, held);
        return new Result(weights, family + "-" + revision, revision, trainedPerClass, held.size(), excluded, unlabelled,
                without, before, after, trainMillis);
    }

    /**
     * What trains a head that is not a classifier. city96's train.py has a score recipe (L1 loss against a rating per
     * image, the rating being its dataset folder's number / 10), but sieve holds no ratings: buckets and corrections are
     * labels, and a score band is not a rating. So sieve does not invent targets for it.
     */
    private static IllegalArgumentException notAClassifier(CityHead head) {
        if (head.head() instanceof ScoreHead) {
            return new IllegalArgumentException(head.name() + " is a score head (arch \"score\": one value per image, sorted "
                    + "into score bands); sieve train trains classifier heads (arch \"class\") only. city96's train.py trains "
                    + "a score head with an L1 loss against a rating of each image (dataset.py: the folder number 0-10, "
                    + "divided by 10), and sieve keeps no ratings: its buckets and corrections are labels. To retrain it, "
                    + "rate the images into city96's folders and run city96's train.py; sieve rescore --head then re-sorts "
                    + "everything with the new revision from the kept embeddings.");
        }
        return new IllegalArgumentException(head.name() + " is a head of kind " + head.head().kind() + ", not a classifier; "
                + "sieve train trains classifier heads (arch \"class\") only: give one, or train this head with its own recipe.");
    }

    private static int count(Map<Integer, List<HeadTrainer.Sample>> byClass) {
        return byClass.values().stream().mapToInt(List::size).sum();
    }

    /**
     * Per class, its images in id order, shuffled with the seed, the first {@code share} of them held out (at least
     * one when the class has two or more and the share is not 0), so every class is in both parts in proportion.
     */
    static void split(Map<Integer, List<HeadTrainer.Sample>> byClass, double share, long seed,
                      List<HeadTrainer.Sample> train, List<HeadTrainer.Sample> held) {
        SplittableRandom random = new SplittableRandom(seed);
        for (List<HeadTrainer.Sample> images : byClass.values()) {
            List<HeadTrainer.Sample> sorted = new ArrayList<>(images);
            sorted.sort(Comparator.comparing(HeadTrainer.Sample::id));
            for (int i = sorted.size() - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                HeadTrainer.Sample t = sorted.get(i);
                sorted.set(i, sorted.get(j));
                sorted.set(j, t);
            }
            int out = (int) Math.round(share * sorted.size());
            if (share > 0 && out == 0 && sorted.size() >= 2) out = 1;
            held.addAll(sorted.subList(0, out));
            train.addAll(sorted.subList(out, sorted.size()));
        }
    }

    /** The head's top label on each held-out image, as the worker scores it (crops combined by their mean). */
    static Confusion evaluate(Path head, List<String> labels, List<HeadTrainer.Sample> held) throws IOException {
        Confusion confusion = new Confusion(labels);
        if (held.isEmpty()) return confusion;
        try (CityHead loaded = CityHead.load(head, Device.cpu())) {
            List<ImageEmbeds> images = held.stream().map(s -> new ImageEmbeds(s.crops(), null)).toList();
            List<ImageScore> scores = new HeadSet(List.of(loaded), CropCombine.MEAN, Map.of()).score(images);
            for (int i = 0; i < held.size(); i++) {
                String top = scores.get(i).topTags().get(0).getLabel();
                confusion.add(held.get(i).label(), labels.indexOf(top));
            }
        } catch (StageException e) {
            throw new IOException("scoring the held-out images with " + head + " failed: " + e.getMessage(), e);
        }
        return confusion;
    }
}
