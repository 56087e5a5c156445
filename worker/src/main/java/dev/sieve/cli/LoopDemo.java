package dev.sieve.cli;

import ai.djl.Device;
import dev.sieve.avro.Correction;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.ScoredImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.EmbeddedKafka;
import dev.sieve.kafka.Topics;
import dev.sieve.kafka.TopicReader;
import dev.sieve.model.CityHead;
import dev.sieve.model.HeadSet;
import dev.sieve.rescore.Rescorer;
import dev.sieve.sort.TagRules;
import dev.sieve.train.HeadTraining;
import dev.sieve.train.KnownCorpus;
import dev.sieve.train.TrainingRecipe;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code sieve demo --loop}: the curator's loop on a corpus whose truth is known ({@code train/ColourCorpus}), on an
 * embedded broker: score with embeddings kept, a scripted reviewer corrects every misplaced image, train the next
 * revision, rescore everything from the embeddings; prints accuracy before and after, the images whose bucket changed,
 * and the time of each step.
 */
final class LoopDemo {
    private final PrintStream log;

    LoopDemo(PrintStream log) {
        this.log = log;
    }

    int run(int images, Path outDir) throws Exception {
        Path headsDir = Files.createDirectories(outDir.resolve("heads"));
        Path corpusDir = Files.createDirectories(outDir.resolve("images"));
        for (String suffix : List.of(".safetensors", ".config.json")) {
            Path source = Home.fixtureHeads().resolve(KnownCorpus.HEAD + suffix);
            Files.copy(source, headsDir.resolve(source.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Path previous = headsDir.resolve(KnownCorpus.HEAD + ".safetensors");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            String bootstrap = kafka.bootstrapServers();
            kafka.createTopics(2, Topics.SCORED, Topics.CORRECTIONS, Topics.EMBEDDINGS);

            long t = System.nanoTime();
            log.printf("1. scoring %d generated images (class = dominant hue) with the fixture CLIP and %s, embeddings kept%n", images, KnownCorpus.HEAD);
            KnownCorpus corpus = KnownCorpus.score(images, 1, Home.fixtureClip(), previous, corpusDir);
            List<Correction> corrections = corpus.corrections();
            corpus.publish(bootstrap, Topics.SCORED, Topics.EMBEDDINGS, Topics.CORRECTIONS, List.of());
            double scoreSeconds = seconds(t);

            t = System.nanoTime();
            log.printf("2. the reviewer corrects every misplaced image: %d corrections on %s%n", corrections.size(), Topics.CORRECTIONS);
            corpus.publishCorrections(bootstrap, Topics.CORRECTIONS, corrections);
            double correctSeconds = seconds(t);

            t = System.nanoTime();
            log.println("3. sieve train: the next revision from the embeddings and the curated buckets");
            TrainingRecipe recipe = new TrainingRecipe(1e-4, 2000, 1, 0.01, List.of(), 0, false);
            HeadTraining.Result trained = HeadTraining.run(new HeadTraining.Config(bootstrap, Topics.SCORED, Topics.CORRECTIONS,
                    Topics.EMBEDDINGS, previous, headsDir, null, recipe, 0.2, 0, TagRules.defaults(), Duration.ofSeconds(30)), log);
            double trainSeconds = seconds(t);

            t = System.nanoTime();
            log.printf("4. sieve rescore: %s on every kept embedding -> %s%n", trained.name(), Topics.SCORED);
            Rescorer.Result rescored;
            try (CityHead head = CityHead.load(trained.weights(), Device.cpu())) {
                rescored = new Rescorer(new Rescorer.Config(bootstrap, Topics.EMBEDDINGS, Topics.SCORED, "demo-rescore", "demo-rescore",
                        2000, Duration.ofSeconds(30)), new HeadSet(List.of(head), CropCombine.MEAN, Map.of())).run(log);
            }
            double rescoreSeconds = seconds(t);

            Map<String, String> before = new HashMap<>();
            Map<String, String> after = new HashMap<>();
            // A committed transaction's markers reach the partitions just after commitTransaction returns: read until
            // the rescored records are all visible to read_committed readers.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (after.size() < rescored.rescored() && System.nanoTime() < deadline) {
                if (!after.isEmpty() || !before.isEmpty()) Thread.sleep(100);
                before.clear();
                after.clear();
                var serde = AvroSerde.of(ScoredImage.class);
                for (var r : TopicReader.readCommitted(bootstrap, Topics.SCORED, Duration.ofSeconds(30))) {
                    ScoredImage s = serde.decode(r.value());
                    String top = s.getTags().get(0).getLabel();
                    if (s.getHeads().get(0).getName().equals(KnownCorpus.HEAD)) before.put(s.getRef().getId(), top);
                    else after.put(s.getRef().getId(), top);
                }
            }
            Set<String> corrected = new HashSet<>();
            for (Correction c : corrections) corrected.add(c.getId());
            int rightBefore = 0, rightAfter = 0, moved = 0, movedPinned = 0;
            for (int i = 0; i < corpus.scored.size(); i++) {
                String id = corpus.scored.get(i).getRef().getId();
                String truth = corpus.truth.get(i);
                if (truth.equals(before.get(id))) rightBefore++;
                if (truth.equals(after.get(id))) rightAfter++;
                if (!before.get(id).equals(after.getOrDefault(id, ""))) {
                    if (corrected.contains(id)) movedPinned++;
                    else moved++;
                }
            }
            int n = corpus.scored.size();
            log.printf("%nheld out (%d images), %s:%n%s", trained.heldOutImages(), KnownCorpus.HEAD, trained.before().table());
            log.printf("%s:%n%s", trained.name(), trained.after().table());
            log.printf(Locale.ROOT, "%nall %d images against the truth: %s %.3f, %s %.3f%n", n, KnownCorpus.HEAD, rightBefore / (double) n,
                    trained.name(), rightAfter / (double) n);
            log.printf("top label changed: %d images the sorter moves, %d more whose correction pins them (corrections win)%n", moved, movedPinned);
            log.printf(Locale.ROOT, "time: score+publish %.1f s, corrections %.1f s, train %.1f s, rescore %.1f s (%.0f images/s)%n",
                    scoreSeconds, correctSeconds, trainSeconds, rescoreSeconds, rescored.imagesPerSecond());
            log.printf("files: %s (the new revision beside the old), %s (the images)%n", headsDir, corpusDir);
            return 0;
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
