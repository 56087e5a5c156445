package dev.sieve.cli;

import ai.djl.Device;
import dev.sieve.avro.Correction;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.ScoredImage;
import dev.sieve.config.Values;
import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.EmbeddedKafka;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.TopicReader;
import dev.sieve.kafka.Topics;
import dev.sieve.model.CityHead;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.HeadFolder;
import dev.sieve.model.HeadSet;
import dev.sieve.model.Scorer;
import dev.sieve.produce.ProduceConfig;
import dev.sieve.produce.ProduceResult;
import dev.sieve.produce.RefProducer;
import dev.sieve.produce.RefSource;
import dev.sieve.rescore.Rescorer;
import dev.sieve.sort.Bucket;
import dev.sieve.sort.BucketMembers;
import dev.sieve.sort.HeadFamily;
import dev.sieve.sort.SortApp;
import dev.sieve.sort.SortConfig;
import dev.sieve.sort.TagRules;
import dev.sieve.train.HeadTraining;
import dev.sieve.train.KnownCorpus;
import dev.sieve.train.TrainingRecipe;
import dev.sieve.work.ImagePipeline;
import dev.sieve.work.Outcomes;
import dev.sieve.work.Worker;
import dev.sieve.work.WorkerConfig;
import dev.sieve.work.WorkerMetrics;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code sieve demo --loop}: the curator's loop on a corpus whose truth is known ({@code train/ColourCorpus}), on an
 * embedded broker, through the real commands' code: the images written to a folder and produced as {@code sieve
 * produce} does, scored by a {@code sieve work --embeddings} worker (exactly once) and sorted by a running {@code sieve
 * sort}; a scripted reviewer corrects every misplaced image; {@code sieve train} writes the next revision into the
 * worker's heads folder and {@code sieve rescore} scores everything again from the embeddings. Prints accuracy before
 * and after, the images the sorter moved, and the time of each step.
 */
final class LoopDemo {
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(10);

    private final PrintStream log;

    LoopDemo(PrintStream log) {
        this.log = log;
    }

    int run(int images, Path outDir) throws Exception {
        long wallStart = System.nanoTime();
        Path headsDir = Files.createDirectories(outDir.resolve("heads"));
        Path corpusDir = Files.createDirectories(outDir.resolve("images"));
        for (String suffix : List.of(".safetensors", ".config.json")) {
            Path source = Home.fixtureHeads().resolve(KnownCorpus.HEAD + suffix);
            Files.copy(source, headsDir.resolve(source.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
        Path previous = headsDir.resolve(KnownCorpus.HEAD + ".safetensors");
        String family = HeadFamily.of(KnownCorpus.HEAD, KnownCorpus.REVISION);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            String bootstrap = kafka.bootstrapServers();
            KafkaSettings clients = KafkaSettings.of(bootstrap);
            kafka.createTopics(2, Topics.IN, Topics.SCORED, Topics.FAILED, Topics.CORRECTIONS, Topics.EMBEDDINGS);
            SortConfig sortConfig = SortConfig.of(SortConfig.SETTINGS.defaults().set(SortConfig.APPLICATION_ID, "loop-sorter")
                    .set(SortConfig.STATE_DIR, outDir.resolve(".streams")), TagRules.defaults());
            try (SortApp sorter = SortApp.start(sortConfig, clients)) {
                long t = System.nanoTime();
                log.printf("1. %d generated images (class = dominant hue) in %s; sieve produce -> %s; sieve work --embeddings "
                        + "(fixture CLIP, heads folder %s); sieve sort%n", images, corpusDir, Topics.IN, headsDir);
                Map<String, String> truth = KnownCorpus.write(images, 1, corpusDir);
                ProduceResult produced = RefProducer.produce(ProduceConfig.of(clients,
                        ProduceConfig.SETTINGS.defaults().set(ProduceConfig.SOURCE, "colour-corpus"), Map.of()),
                        RefSource.folder(corpusDir, false));
                log.println("   " + produced.summary());
                score(clients, corpusDir, headsDir, produced.sent());
                Map<String, ScoredImage> first = scored(bootstrap, KnownCorpus.HEAD, produced.sent());
                waitFor(() -> sorter.counts().images() >= first.size(), "the sorter", () -> sorter.counts().toString());
                double scoreSeconds = seconds(t);

                t = System.nanoTime();
                List<Correction> corrections = KnownCorpus.corrections(first.values(), truth, "loop-demo");
                log.printf("2. the reviewer corrects every misplaced image: %d corrections on %s%n", corrections.size(), Topics.CORRECTIONS);
                publish(clients, corrections);
                Map<String, String> curated = new TreeMap<>();
                first.forEach((id, s) -> curated.put(id, s.getTags().get(0).getLabel()));
                corrections.forEach(c -> curated.put(c.getId(), c.getNewLabel()));
                BucketMembers before = settled(clients, family, KnownCorpus.HEAD, curated);
                double correctSeconds = seconds(t);

                t = System.nanoTime();
                log.println("3. sieve train: the next revision from the embeddings and the curated buckets, into the heads folder");
                TrainingRecipe recipe = new TrainingRecipe(1e-4, 2000, 1, 0.01, List.of(), 0, false);
                HeadTraining.Result trained = HeadTraining.run(new HeadTraining.Config(bootstrap, Topics.SCORED, Topics.CORRECTIONS,
                        Topics.EMBEDDINGS, previous, headsDir, null, recipe, 0.2, 0, TagRules.defaults(), Duration.ofSeconds(30)), log);
                double trainSeconds = seconds(t);
                List<String> loaded = HeadFolder.loadNewest(headsDir, Device.cpu(), log).stream().map(h -> {
                    h.close();
                    return h.name();
                }).toList();
                log.printf("   the worker's head loader now picks %s from %s%n", loaded, headsDir);

                t = System.nanoTime();
                log.printf("4. sieve rescore: %s on every kept embedding -> %s; the sorter moves what changed%n", trained.name(), Topics.SCORED);
                Rescorer.Result rescored;
                try (CityHead head = CityHead.load(trained.weights(), Device.cpu())) {
                    rescored = new Rescorer(new Rescorer.Config(bootstrap, Topics.EMBEDDINGS, Topics.SCORED, "demo-rescore", "demo-rescore",
                            2000, Duration.ofSeconds(30)), new HeadSet(List.of(head), CropCombine.MEAN, Map.of())).run(log);
                }
                Map<String, ScoredImage> second = scored(bootstrap, trained.name(), rescored.rescored());
                Map<String, String> expected = new TreeMap<>();
                second.forEach((id, s) -> expected.put(id, s.getTags().get(0).getLabel()));
                corrections.forEach(c -> expected.put(c.getId(), c.getNewLabel()));
                BucketMembers after = settled(clients, family, trained.name(), expected);
                double rescoreSeconds = seconds(t);

                report(truth, first, second, corrections, trained, before, after, family);
                log.printf(Locale.ROOT, "time: score (produce, work --embeddings, sort) %.1f s, corrections %.1f s, train %.1f s, "
                                + "rescore %.1f s (%.0f images/s), wall %.1f s%n", scoreSeconds, correctSeconds, trainSeconds,
                        rescoreSeconds, rescored.imagesPerSecond(), seconds(wallStart));
                log.printf("files: %s (the new revision beside the old), %s (the images)%n", headsDir, corpusDir);
                return 0;
            }
        }
    }

    /** A {@code sieve work --embeddings} worker as WorkCommand builds it, until every produced reference is written. */
    private void score(KafkaSettings clients, Path files, Path headsDir, long refs) throws Exception {
        Values work = WorkCommand.SETTINGS.defaults().set(WorkerConfig.WORKER_ID, "loop-worker")
                .set(FetchConfig.FILE_ROOT, files).set(WorkCommand.EMBEDDINGS, true);
        WorkerConfig config = WorkerConfig.of(clients, work);
        ClipEmbedder clip = ClipEmbedder.load(Home.fixtureClip(), Device.cpu());
        List<CityHead> heads;
        try {
            heads = HeadFolder.loadNewest(headsDir, Device.cpu(), log);
        } catch (Exception e) {
            clip.close();
            throw e;
        }
        try (Scorer scorer = new Scorer(clip, heads, CropCombine.MEAN, Map.of(), true);
             ImageFetcher fetcher = new ImageFetcher(FetchConfig.of(work));
             ImagePipeline pipeline = new ImagePipeline(config, fetcher,
                     new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true), scorer,
                     Outcomes.clipModel(clip.id(), clip.digest(), clip.preprocessing().size()), WorkerMetrics.unregistered(),
                     WorkCommand.sideOutputs(work, clip, true, clients));
             Worker worker = new Worker(config, pipeline)) {
            Thread thread = new Thread(worker::run, "loop-worker");
            thread.start();
            try {
                waitFor(() -> worker.stats().scored() + worker.stats().failed() >= refs || !thread.isAlive(), "the worker",
                        () -> worker.stats().toString());
            } finally {
                worker.stop();
                thread.join(60_000);
            }
            log.println("   worker: " + worker.stats());
            if (worker.stats().failed() > 0) throw new IllegalStateException(worker.stats().failed() + " images failed; see " + Topics.FAILED);
        }
    }

    /**
     * Each image's record from {@code head} on images.scored, once {@code count} of them are visible: a committed
     * transaction's markers reach the partitions just after the commit returns.
     */
    private Map<String, ScoredImage> scored(String bootstrap, String head, long count) throws InterruptedException {
        AvroSerde<ScoredImage> serde = AvroSerde.of(ScoredImage.class);
        Map<String, ScoredImage> out = new HashMap<>();
        waitFor(() -> {
            out.clear();
            for (var r : TopicReader.readCommitted(bootstrap, Topics.SCORED, Duration.ofSeconds(30))) {
                ScoredImage s = serde.decode(r.value());
                if (s.getHeads().get(0).getName().equals(head)) out.put(s.getRef().getId(), s);
            }
            return out.size() >= count;
        }, "images.scored", () -> out.size() + " of " + count + " records of " + head);
        return new TreeMap<>(out);
    }

    private static void publish(KafkaSettings clients, List<Correction> corrections) {
        AvroSerde<Correction> serde = AvroSerde.of(Correction.class);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(clients.props(), new StringSerializer(), new ByteArraySerializer())) {
            for (Correction c : corrections) producer.send(new ProducerRecord<>(Topics.CORRECTIONS, c.getId(), serde.encode(c)));
            producer.flush();
        }
    }

    /** The buckets once the sorter has put every image of {@code expected} into {@code head}'s bucket for its label. */
    private BucketMembers settled(KafkaSettings clients, String family, String head, Map<String, String> expected)
            throws InterruptedException {
        BucketMembers[] now = new BucketMembers[1];
        waitFor(() -> {
            now[0] = BucketMembers.read(TopicReader.quiet(clients, "loop-demo", Duration.ofSeconds(30)));
            Map<String, String> where = new TreeMap<>();
            now[0].byBucket().forEach((bucket, ids) -> {
                if (!now[0].family(bucket).equals(family)) return;
                for (String id : ids) where.merge(id, bucket.head().equals(head) ? bucket.label() : "(other) " + bucket, (a, b) -> a + ", " + b);
            });
            return where.equals(expected);
        }, "the sorter's buckets", () -> "not settled yet");
        return now[0];
    }

    private void report(Map<String, String> truth, Map<String, ScoredImage> first, Map<String, ScoredImage> second,
                        List<Correction> corrections, HeadTraining.Result trained, BucketMembers before,
                        BucketMembers after, String family) {
        Set<String> corrected = new java.util.HashSet<>();
        for (Correction c : corrections) corrected.add(c.getId());
        int rightBefore = 0, rightAfter = 0, changed = 0, changedPinned = 0;
        for (var e : first.entrySet()) {
            String right = truth.get(KnownCorpus.fileOf(e.getValue()));
            String old = e.getValue().getTags().get(0).getLabel();
            String now = second.get(e.getKey()).getTags().get(0).getLabel();
            if (right.equals(old)) rightBefore++;
            if (right.equals(now)) rightAfter++;
            if (!old.equals(now)) {
                if (corrected.contains(e.getKey())) changedPinned++;
                else changed++;
            }
        }
        int n = first.size();
        log.printf("%nheld out (%d images), %s:%n%s", trained.heldOutImages(), KnownCorpus.HEAD, trained.before().table());
        log.printf("%s:%n%s", trained.name(), trained.after().table());
        log.printf(Locale.ROOT, "%nall %d images against the truth: %s %.3f, %s %.3f%n", n, KnownCorpus.HEAD, rightBefore / (double) n,
                trained.name(), rightAfter / (double) n);
        log.printf("top label changed: %d images the sorter moves, %d more whose correction pins them (corrections win)%n", changed, changedPinned);

        Map<String, Set<String>> was = before.labels(family);
        Map<String, Set<String>> is = after.labels(family);
        int moved = 0;
        for (var e : is.entrySet()) if (!e.getValue().equals(was.get(e.getKey()))) moved++;
        log.printf("%nthe sorter's buckets (%s), after the corrections -> after the rescore:%n", family);
        for (String label : KnownCorpus.LABELS) {
            log.printf("    %-8s %s %4d  ->  %s %4d%n", label, KnownCorpus.HEAD, count(before, KnownCorpus.HEAD, label),
                    trained.name(), count(after, trained.name(), label));
        }
        long rightInBuckets = is.entrySet().stream().filter(e -> e.getValue().equals(Set.of(truth.get(KnownCorpus.fileOf(second.get(e.getKey())))))).count();
        log.printf("moved to another label by the sorter: %d; every image in exactly one bucket of %s: %d of %d; in its true class: %d%n",
                moved, family, is.values().stream().filter(l -> l.size() == 1).count(), n, rightInBuckets);
    }

    private static int count(BucketMembers members, String head, String label) {
        Set<String> ids = members.byBucket().get(new Bucket(head, label));
        return ids == null ? 0 : ids.size();
    }

    /** Polls another thread's progress (a counter, a topic): there is nothing to be notified by. */
    private void waitFor(BooleanSupplier done, String what, Supplier<String> status) throws InterruptedException {
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        long lastReport = System.nanoTime();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException(what + " did not finish in " + STEP_TIMEOUT + ": " + status.get());
            if (System.nanoTime() - lastReport > 10_000_000_000L) {
                log.println("   ... " + what + ": " + status.get());
                lastReport = System.nanoTime();
            }
            Thread.sleep(200);
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
