package dev.sieve.cli;

import dev.sieve.avro.FailedImage;
import dev.sieve.avro.ScoredImage;
import dev.sieve.export.ExportConfig;
import dev.sieve.export.ExportResult;
import dev.sieve.export.Exporter;
import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.FileRoot;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.EmbeddedKafka;
import dev.sieve.kafka.TopicReader;
import dev.sieve.kafka.Topics;
import dev.sieve.produce.ProduceConfig;
import dev.sieve.produce.ProduceResult;
import dev.sieve.produce.RefProducer;
import dev.sieve.produce.RefSource;
import dev.sieve.sort.SortApp;
import dev.sieve.sort.SortConfig;
import dev.sieve.sort.TagRules;
import dev.sieve.work.ImagePipeline;
import dev.sieve.work.Worker;
import dev.sieve.work.WorkerConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The whole path in one process: embedded broker → produce → work → sort → export → summary. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The whole path on this machine with no setup (embedded Kafka, bundled models, sample images).",
                "Produces, scores, sorts and exports the images, prints a summary and the output folder, exits 0."})
public final class DemoCommand implements Callable<Integer> {
    @Mixin ModelOptions models;

    @Option(names = "--images", paramLabel = "DIR", description = "Folder of images to sort. Default: the bundled scripts/samples.")
    Path images;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the buckets are exported. Default: a new temporary folder.")
    Path out;

    @Option(names = "--partitions", defaultValue = "2", description = "Partitions of images.in. Default: ${DEFAULT-VALUE}.")
    int partitions;

    @Option(names = "--timeout-s", defaultValue = "600", description = "Give up when the demo has not finished after this. Default: ${DEFAULT-VALUE}.")
    long timeoutS;

    @Option(names = "--loop", description = "The curator's loop instead, on generated images whose class is known: score with "
            + "embeddings kept, scripted corrections, sieve train, sieve rescore; accuracy before/after, images moved, time per step.")
    boolean loop;

    @Option(names = "--loop-images", defaultValue = "150", description = "Images in the --loop corpus. Default: ${DEFAULT-VALUE}.")
    int loopImages;

    private final PrintStream log = System.out;

    @Override
    public Integer call() throws Exception {
        if (loop) return new LoopDemo(log).run(loopImages, out != null ? Files.createDirectories(out.toAbsolutePath()) : Files.createTempDirectory("sieve-loop-"));
        long t0 = System.nanoTime();
        Path folder = (images != null ? images : Home.samples()).toAbsolutePath().normalize();
        if (!Files.isDirectory(folder)) throw new IllegalArgumentException("--images " + folder + " is not a folder");
        Path outDir = out != null ? out.toAbsolutePath() : Files.createTempDirectory("sieve-demo-");
        Files.createDirectories(outDir);
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutS).toNanos();

        step(1, "starting an embedded Kafka broker (KRaft, in this process)");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            String bootstrap = kafka.bootstrapServers();
            KafkaSettings clients = KafkaSettings.of(bootstrap);
            kafka.createTopics(partitions, Topics.IN, Topics.SCORED, Topics.FAILED, Topics.CORRECTIONS, Topics.EMBEDDINGS);
            log.printf("   broker at %s; topics %s, %s, %s%n", bootstrap, Topics.IN, Topics.SCORED, Topics.FAILED);

            step(2, "loading the models");
            try (ModelOptions.Loaded loaded = models.load(log)) {
                step(3, "producing a reference for every file in " + folder);
                ProduceResult produced = RefProducer.produce(
                        ProduceConfig.of(clients, ProduceConfig.SETTINGS.defaults().set(ProduceConfig.SOURCE, "demo"), Map.of()),
                        RefSource.folder(folder, false));
                log.println("   " + produced.summary());
                long sent = produced.sent();

                step(4, "scoring: one worker (fetch → decode+tile → batch → CLIP+heads → images.scored | images.failed)");
                WorkerConfig wc = WorkerConfig.of(clients, WorkerConfig.SETTINGS.defaults().set(WorkerConfig.WORKER_ID, "demo-worker"));
                FetchConfig fetch = FetchConfig.of(FetchConfig.SETTINGS.defaults().set(FetchConfig.FILE_ROOT, folder));
                long workStart = System.nanoTime();
                double workSeconds;
                try (ImageFetcher fetcher = new ImageFetcher(fetch);
                     ImagePipeline pipeline = new ImagePipeline(wc, fetcher, loaded.preparer(), loaded.scorer(),
                             loaded.clipModel());
                     Worker worker = new Worker(wc, pipeline)) {
                    Thread thread = new Thread(worker::run, "demo-worker");
                    thread.start();
                    waitFor(() -> worker.stats().scored() + worker.stats().failed() >= sent || !thread.isAlive(),
                            deadline, "scoring", () -> worker.stats().toString());
                    workSeconds = (System.nanoTime() - workStart) / 1e9;
                    worker.stop();
                    thread.join(30_000);
                    log.println("   " + worker.stats());
                }

                List<ScoredImage> scored = TopicReader.readCommitted(bootstrap, Topics.SCORED, Duration.ofSeconds(30))
                        .stream().map(r -> AvroSerde.of(ScoredImage.class).decode(r.value())).toList();
                List<ConsumerRecord<String, byte[]>> failedRecords =
                        TopicReader.readCommitted(bootstrap, Topics.FAILED, Duration.ofSeconds(30));
                List<FailedImage> failed = failedRecords.stream()
                        .map(r -> AvroSerde.of(FailedImage.class).decode(r.value())).toList();

                step(5, "sorting: Kafka Streams routes images.scored into images.bucket.<head>.<label>");
                // Classifiers sort by their top label; score heads (aesthetics) by quarter bands of their score.
                List<String> bands = loaded.heads().stream().filter(h -> h.head().takesBands())
                        .map(h -> h.name() + "=0.25,0.5,0.75").toList();
                SortConfig sortConfig = SortConfig.of(SortConfig.SETTINGS.defaults().set(SortConfig.STATE_DIR, outDir.resolve(".streams")),
                        TagRules.parse(List.of(), bands));
                try (SortApp sorter = SortApp.start(sortConfig, clients)) {
                    waitFor(() -> sorter.counts().images() >= scored.size(), deadline, "sorting",
                            () -> sorter.counts().toString());
                    log.println("   " + sorter.counts());
                }

                step(6, "exporting the buckets to " + outDir);
                ExportResult export = Exporter.run(ExportConfig.of(ExportConfig.SETTINGS.defaults().set(ExportConfig.OUT, outDir)
                        .set(FileRoot.READ_ROOT, folder), TagRules.defaults()), clients);

                printSummary(sent, scored, failed, export, workSeconds, (System.nanoTime() - t0) / 1e9, outDir);
                return sent == scored.size() + failed.size() ? 0 : 1;
            }
        }
    }

    private void step(int n, String what) {
        log.printf("%n[%d/6] %s%n", n, what);
    }

    private void waitFor(BooleanSupplier done, long deadline, String what, java.util.function.Supplier<String> status)
            throws InterruptedException {
        long lastReport = System.nanoTime();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + " did not finish in time: " + status.get());
            }
            if (System.nanoTime() - lastReport > 5_000_000_000L) {
                log.println("   ... " + status.get());
                lastReport = System.nanoTime();
            }
            Thread.sleep(50); // polling a counter of another thread; nothing to be notified by
        }
    }

    private void printSummary(long sent, List<ScoredImage> scored, List<FailedImage> failed, ExportResult export,
                              double workSeconds, double wallSeconds, Path outDir) {
        log.println();
        log.println("sieve demo — summary");
        log.println("-".repeat(61));
        log.printf("%-52s %8d%n", "images in (images.in)", sent);
        log.printf("%-52s %8d%n", "scored (images.scored)", scored.size());
        log.printf("%-52s %8d%n", "  of which tiled (5 crops)", scored.stream().filter(ScoredImage::getTiled).count());
        log.printf("%-52s %8d%n", "failed (images.failed)", failed.size());
        for (FailedImage f : failed) {
            String name = f.getRef().getUri().substring(f.getRef().getUri().lastIndexOf('/') + 1);
            log.printf("    %-24s %s/%s: %s%n", name, f.getStage(), f.getCode(), shorten(f.getMessage(), 60));
        }
        log.println("buckets (images.bucket.<head>.<label>)");
        for (var b : export.report().buckets()) {
            log.printf("    %-48s %8d%n", b.head() + " / " + b.label(), b.count());
        }
        log.printf("%-52s %8.1f%n", "images/s (worker, incl. model warm-up)", (scored.size() + failed.size()) / workSeconds);
        log.printf("%-52s %8.1f%n", "wall time, s", wallSeconds);
        log.println("-".repeat(61));
        log.println("buckets exported to: " + outDir);
        log.println("distribution report: " + outDir.resolve("report.txt"));
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
