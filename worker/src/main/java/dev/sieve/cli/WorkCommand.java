package dev.sieve.cli;

import dev.sieve.avro.ClipModel;
import dev.sieve.config.Setting;
import dev.sieve.config.Setting.Accepts;
import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.image.clip.ClipPreprocessing;
import dev.sieve.image.decode.DecoderLibraries;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.ImagePreparer;
import dev.sieve.model.BatchScorer;
import dev.sieve.model.HeadWatcher;
import dev.sieve.model.ReloadingScorer;
import dev.sieve.model.SimulatedAccelerator;
import java.io.PrintStream;
import dev.sieve.metrics.MetricsServer;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.work.ImagePipeline;
import picocli.CommandLine.ParameterException;
import dev.sieve.kafka.Topics;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.avro.ImageEmbeddings;
import dev.sieve.avro.EmbeddingPrecision;
import dev.sieve.work.SideOutput;
import dev.sieve.work.EmbeddingsOutput;
import dev.sieve.work.ScoredContent;
import dev.sieve.work.ShareWorker;
import dev.sieve.work.Worker;
import dev.sieve.work.WorkerConfig;
import dev.sieve.work.WorkerMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** One worker of the consumer group: images.in → images.scored | images.failed. */
@Command(name = "work", mixinStandardHelpOptions = true, modelTransformer = SettingOptions.Install.class,
        description = {"Consume image references from images.in, score them and write images.scored / images.failed.",
                "Start as many as images.in has partitions; they share the work as one consumer group.",
                "Results and offsets are committed together in Kafka transactions (exactly once).",
                "SIGTERM or Ctrl-C: stops polling, finishes in-flight images (at most 30 s), commits them, exits 0."},
        footer = {"", "Example (after `sieve broker` and `sieve produce`):",
                "  sieve work --file-root scripts/samples"})
public final class WorkCommand extends ConfiguredCommand {
    /** How workers share images.in. */
    enum Mode { group, share }

    static final Setting<Mode> MODE = Setting.choice("mode", Mode.group)
            .doc("group: a consumer group, exactly once (results and offsets in one transaction); at most one worker per "
                    + "partition. share: a share group (KIP-932), at least once (an image may be written twice after a "
                    + "crash; readers de-duplicate by id); any number of workers per partition.");
    static final Setting<Integer> DELIVERY_LIMIT = Setting.integer("delivery-limit", 5).accepts(Accepts.atLeast(2))
            .doc("Share mode: the group's share.delivery.count.limit; the record's last delivery goes to images.failed as "
                    + "DELIVERY_LIMIT instead of being tried again.");
    static final Setting<Integer> METRICS_PORT = HealthOptions.metricsPort(MetricsServer.WORK_PORT);
    static final Setting<Boolean> REQUIRE_EXACT_DECODERS = Setting.flag("require-exact-decoders")
            .env("SIEVE_REQUIRE_EXACT_DECODERS")
            .doc("Refuse to start unless JPEGs decode with libjpeg-turbo and PNG data inflates with libdeflate (Debian's "
                    + "libturbojpeg0 and libdeflate0): the path the tests verify. Without it the worker logs the fallback "
                    + "and runs. True in the images.");

    static final Setting<Boolean> DEDUP = Setting.flag("dedup")
            .doc("Same bytes, one inference: an image whose bytes (sha256) were scored before with the same CLIP, heads "
                    + "and settings gets that result again, marked duplicate_of the first, without decoding or inference. "
                    + "Results are shared through the compacted topic --dedup-topic (written in the same transaction; read "
                    + "to its end at start). The heads folder is then not watched (a result is only reused for the heads "
                    + "it was scored with).");
    static final Setting<String> DEDUP_TOPIC = Setting.text("dedup-topic", "images.content").paramLabel("TOPIC")
            .accepts(Accepts.matching("[a-zA-Z0-9._-]{1,249}", "a Kafka topic name"))
            .doc("Compacted topic of results by content (created when missing).");
    static final Setting<Long> DEDUP_STORE_MB = Setting.longValue("dedup-store-mb", 256).accepts(Accepts.atLeast(1L))
            .paramLabel("MB").doc("Results held in memory for --dedup (least recently used dropped past it).");

    static final Setting<Boolean> EMBEDDINGS = Setting.flag("embeddings")
            .doc("Also write each scored image's CLIP embeddings (every crop's and the untiled one's, fp32) to "
                    + "--embeddings-topic, in the same transaction as its scored record: what sieve train and sieve "
                    + "rescore read.");
    static final Setting<String> EMBEDDINGS_TOPIC = Setting.text("embeddings-topic", Topics.EMBEDDINGS)
            .accepts(Accepts.matching("[a-zA-Z0-9._-]{1,249}", "a Kafka topic name"))
            .doc("Where --embeddings writes (compacted, keyed by image id).");

    /** Every setting of {@code sieve work}; the model files and --combine-head are ModelOptions' own options. */
    static final Settings SETTINGS = Settings.of("work", KafkaSettings.SETTINGS, WorkerConfig.SETTINGS,
            FetchConfig.SETTINGS, HealthOptions.SETTINGS, MODE, DELIVERY_LIMIT, METRICS_PORT, REQUIRE_EXACT_DECODERS,
            DEDUP, DEDUP_TOPIC, DEDUP_STORE_MB, EMBEDDINGS, EMBEDDINGS_TOPIC);

    public WorkCommand() {
        super(SETTINGS);
    }

    @Mixin ModelOptions models;

    @Option(names = "--heads-watch", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = {"Watch the heads folder (--heads-dir, or its default) and swap in a newer revision of a loaded head",
                    "(<family>-<rev>.safetensors + .config.json, e.g. what `sieve train` writes) between two batches, without a",
                    "restart; a file that does not load is logged and the head in use stays. Heads given with --head are not",
                    "watched. Default: on (--no-heads-watch turns it off)."})
    boolean headsWatch;

    @Option(names = "--heads-rescan-s", paramLabel = "SECONDS", defaultValue = "30",
            description = {"Read the watched heads folder this often even without a change event (network file systems",
                    "raise none for another machine's writes). Default: ${DEFAULT-VALUE}."})
    long headsRescanSeconds;

    @Option(names = "--simulated-accelerator", paramLabel = "MS_PER_BATCH", hidden = true,
            description = {"Benchmarks only (scripts/bench scale): no model at all. Each batch waits MS_PER_BATCH ms",
                    "without using the CPU and gets deterministic fake scores from a simulated head; records say",
                    "clip=simulated-accelerator. 24.7 is an estimate of CLIP ViT-L/14-336 fp16 on an H100 at 32 crops",
                    "(382 GFLOPs per crop at 50% of 989 TFLOP/s); an H200 measured 31.7 (scripts/bench gpu, TorchScript fp16)."})
    Double simulatedMsPerBatch;

    @Override
    public Integer call() throws Exception {
        Values values = values();
        LogFormat.apply(values);
        KafkaSettings kafka = KafkaSettings.of(values);
        WorkerConfig config = WorkerConfig.of(kafka, values);
        FetchConfig fetch = FetchConfig.of(values);
        // Before anything slow: a worker that would score differently from the tests says so, or refuses at once.
        DecoderLibraries decoders = DecoderLibraries.probe(models.jpegDecoder());
        System.err.println(decoders.line());
        if (values.get(REQUIRE_EXACT_DECODERS)) decoders.requireExact();
        // The endpoint starts before the model loads: the pod is live (not ready) while it loads.
        PrometheusMeterRegistry registry = MetricsServer.newRegistry();
        decoders.register(registry);
        WorkerMetrics metrics = new WorkerMetrics(registry, HealthOptions.bounds(values, kafka));
        Optional<MetricsServer> server = MetricsOptions.start(values.get(METRICS_PORT), registry, metrics);
        long loadStart = System.nanoTime();
        boolean dedup = values.get(DEDUP);
        boolean embeddings = values.get(EMBEDDINGS);
        if (embeddings && simulatedMsPerBatch != null) {
            throw new ParameterException(spec.commandLine(), "--embeddings needs CLIP: not with --simulated-accelerator");
        }
        if (headsRescanSeconds < 1) throw new IllegalArgumentException("--heads-rescan-s " + headsRescanSeconds + ": must be ≥ 1");
        try (ModelStage model = simulatedMsPerBatch != null ? ModelStage.simulated(simulatedMsPerBatch, System.err)
                     : headsWatch && !dedup && models.headsFolder().isPresent() ? ModelStage.watched(models, embeddings, Duration.ofSeconds(headsRescanSeconds), metrics)
                     : ModelStage.real(models.load(System.err, embeddings));
             ImageFetcher fetcher = new ImageFetcher(fetch);
             ScoredContent content = dedup ? new ScoredContent(kafka, values.get(DEDUP_TOPIC),
                     model.clipModel().getDigest() + " " + models.resultSettings(), values.get(DEDUP_STORE_MB) << 20)
                     .start(Duration.ofMinutes(5)) : null;
             ImagePipeline pipeline = new ImagePipeline(config, fetcher, model.preparer(), model.scorer(),
                     model.clipModel(), metrics, sideOutputs(values, model.clip(), models.tiling(), kafka), content)) {
            metrics.modelLoaded(Duration.ofNanos(System.nanoTime() - loadStart));
            // Inference and preprocessing share the cores: say how they were split, so an oversubscribed pod shows.
            System.err.printf("threads: %d cores; preprocessing pool %d; libtorch intra-op %s, inter-op %s%n",
                    Runtime.getRuntime().availableProcessors(), config.prepareThreads(),
                    System.getProperty("ai.djl.pytorch.num_threads", "libtorch default (all cores)"),
                    System.getProperty("ai.djl.pytorch.num_interop_threads", "libtorch default"));
            ShareWorker share = values.get(MODE) == Mode.share ? new ShareWorker(config, pipeline, values.get(DELIVERY_LIMIT)) : null;
            Worker worker = share == null ? new Worker(config, pipeline) : null;
            Runnable stop = share != null ? share::stop : worker::stop;
            // SIGTERM (a pod stop) and Ctrl-C: stop polling, finish or give up in-flight work (bounded), commit,
            // and exit 0 through the normal return below. The hook covers other JVM exits.
            StopSignals.install(stop);
            CountDownLatch done = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.run();
                try {
                    done.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            try {
                if (share != null) share.run(); else worker.run();
            } finally {
                System.err.println("worker stopped: " + (share != null ? share.stats() : worker.stats()));
                done.countDown();
            }
        } finally {
            server.ifPresent(MetricsServer::close);
        }
        return 0;
    }

    /** The records each scored image writes besides its ScoredImage (also the loop demo's worker's). */
    static List<SideOutput> sideOutputs(Values values, ClipEmbedder clip, boolean tiling, KafkaSettings kafka) {
        if (!values.get(EMBEDDINGS)) return List.of();
        return List.of(new EmbeddingsOutput(values.get(EMBEDDINGS_TOPIC), clip, tiling,
                EmbeddingPrecision.FLOAT32, kafka.serde(ImageEmbeddings.class)));
    }

    /** The real models, or the benchmark's simulated accelerator (which loads no libtorch at all). */
    /** {@code clip}: the CLIP embedder, null for the simulated accelerator. */
    record ModelStage(ImagePreparer preparer, BatchScorer scorer, ClipModel clipModel, ClipEmbedder clip,
                      AutoCloseable resources) implements AutoCloseable {
        static ModelStage real(ModelOptions.Loaded loaded) {
            return new ModelStage(loaded.preparer(), loaded.scorer(), loaded.clipModel(), loaded.clip(), loaded);
        }

        /** The real models, with the heads folder watched for new revisions. */
        static ModelStage watched(ModelOptions models, boolean keepEmbeddings, Duration rescan, WorkerMetrics metrics) {
            ModelOptions.Loaded loaded = models.load(System.err, keepEmbeddings);
            ReloadingScorer scorer = new ReloadingScorer(loaded.scorer(), models.combine(), models.combineHead);
            HeadWatcher watcher = HeadWatcher.start(models.headsFolder().orElseThrow(), models.device(), scorer, rescan,
                    reload -> metrics.headReload(reload.result().name().toLowerCase(Locale.ROOT)));
            return new ModelStage(loaded.preparer(), scorer, loaded.clipModel(), loaded.clip(), () -> {
                watcher.close(); // first: no swap may start while the heads close
                scorer.close();
            });
        }

        static ModelStage simulated(double msPerBatch, PrintStream log) {
            if (!(msPerBatch >= 0)) throw new IllegalArgumentException("--simulated-accelerator: ms per batch must be ≥ 0");
            var accelerator = new SimulatedAccelerator(Duration.ofNanos(Math.round(msPerBatch * 1e6)));
            log.printf("model: SIMULATED ACCELERATOR (benchmark only, no CLIP, no libtorch): %.1f ms per batch, "
                    + "deterministic fake scores; records say clip=%s%n", msPerBatch, SimulatedAccelerator.ID);
            var preparer = new ImagePreparer(ClipPreprocessing.openaiClip336(), DecodeOptions.defaults(), true);
            return new ModelStage(preparer, accelerator, SimulatedAccelerator.clipModel(), null, () -> { });
        }

        @Override
        public void close() throws Exception {
            resources.close();
        }
    }
}
