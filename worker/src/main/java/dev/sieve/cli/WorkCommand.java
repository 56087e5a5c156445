package dev.sieve.cli;

import dev.sieve.avro.ClipModel;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.image.clip.ClipPreprocessing;
import dev.sieve.image.decode.DecoderLibraries;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.ImagePreparer;
import dev.sieve.model.BatchScorer;
import dev.sieve.model.SimulatedAccelerator;
import java.io.PrintStream;
import dev.sieve.metrics.MetricsServer;
import dev.sieve.kafka.Topics;
import dev.sieve.work.ImagePipeline;
import dev.sieve.work.ScoredContent;
import dev.sieve.work.ShareWorker;
import dev.sieve.work.Worker;
import dev.sieve.work.WorkerConfig;
import dev.sieve.work.WorkerMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** One worker of the consumer group: images.in → images.scored | images.failed. */
@Command(name = "work", mixinStandardHelpOptions = true,
        description = {"Consume image references from images.in, score them and write images.scored / images.failed.",
                "Start as many as images.in has partitions; they share the work as one consumer group.",
                "Results and offsets are committed together in Kafka transactions (exactly once).",
                "SIGTERM or Ctrl-C: stops polling, finishes in-flight images (at most 30 s), commits them, exits 0."},
        footer = {"", "Example (after `sieve broker` and `sieve produce`):",
                "  sieve work --file-root scripts/samples"})
public final class WorkCommand implements Callable<Integer> {
    @Mixin KafkaOptions kafka;
    @Mixin ModelOptions models;
    @Mixin FetchOptions fetch;
    @Mixin LogOptions logging;
    @Mixin HealthOptions health;

    /** How workers share images.in. */
    enum Mode { group, share }

    @Option(names = "--mode", defaultValue = "group",
            description = {"group: a consumer group, exactly once (results and offsets in one transaction); at most one "
                    + "worker per partition.",
                    "share: a share group (KIP-932), at least once (an image may be written twice after a crash; "
                    + "readers de-duplicate by id); any number of workers per partition. Default: ${DEFAULT-VALUE}."})
    Mode mode;

    @Option(names = "--delivery-limit", defaultValue = "5",
            description = "Share mode: the group's share.delivery.count.limit; the record's last delivery goes to "
                    + "images.failed as DELIVERY_LIMIT instead of being tried again. Default: ${DEFAULT-VALUE}.")
    int deliveryLimit;

    @Option(names = "--group", defaultValue = "sieve-workers", description = "Consumer group (or share group). Default: ${DEFAULT-VALUE}.")
    String group;

    @Option(names = "--input-topic", defaultValue = Topics.IN, description = "Where the ImageRefs come from. Default: ${DEFAULT-VALUE}.")
    String inputTopic;

    @Option(names = "--scored-topic", defaultValue = Topics.SCORED, description = "Where ScoredImages go. Default: ${DEFAULT-VALUE}.")
    String scoredTopic;

    @Option(names = "--failed-topic", defaultValue = Topics.FAILED, description = "Where FailedImages go. Default: ${DEFAULT-VALUE}.")
    String failedTopic;

    @Option(names = "--worker-id", description = "This worker's id (records, transactional id). Default: host-pid.")
    String workerId;

    @Option(names = "--max-in-flight", defaultValue = "64", description = "Images between poll and commit before the consumer pauses. Default: ${DEFAULT-VALUE}.")
    int maxInFlight;

    @Option(names = "--batch-crops", defaultValue = "32", description = "Crops per CLIP forward pass. Default: ${DEFAULT-VALUE}.")
    int batchCrops;

    @Option(names = "--batch-wait-ms", defaultValue = "20", description = "Longest a crop waits for its batch to fill. Default: ${DEFAULT-VALUE}.")
    long batchWaitMs;

    @Option(names = "--metrics-port", defaultValue = "" + MetricsServer.WORK_PORT, description = MetricsOptions.PORT_DESCRIPTION)
    int metricsPort;

    @Option(names = "--prepare-threads", description = "Threads decoding and preprocessing. Default: cores - 1.")
    Integer prepareThreads;

    @Option(names = "--pixel-budget-mp", paramLabel = "MEGAPIXELS",
            defaultValue = "" + WorkerConfig.DEFAULT_PIXEL_BUDGET_MEGAPIXELS,
            description = {"Decoded megapixels all prepare threads hold at once (heap bound for decoding): an image waits",
                    "after its header until its pixels fit; one larger than the budget decodes alone. At most 4 bytes",
                    "a pixel (alpha, CMYK and 16-bit images count 2x or 3x), so the default is about 768 MB.",
                    "Default: ${DEFAULT-VALUE}."})
    int pixelBudgetMegapixels;

    @Option(names = "--fetch-budget-mb", paramLabel = "MIB",
            defaultValue = "" + WorkerConfig.DEFAULT_FETCH_BUDGET_MEGABYTES,
            description = {"Encoded MiB held at once by downloads and by images not decoded yet (heap bound for fetching).",
                    "A download reserves its Content-Length when the headers are in (twice --max-bytes when the",
                    "server sends none) and reads the body once that fits; it keeps only the body's size once it has",
                    "arrived. Default: ${DEFAULT-VALUE}."})
    int fetchBudgetMegabytes;

    @Option(names = "--delivery", defaultValue = "EXACTLY_ONCE",
            description = {"Group mode: EXACTLY_ONCE (results and offsets in one transaction; readers use read_committed) or",
                    "AT_LEAST_ONCE (no transactions: results visible at once, offsets committed after them; a crash can",
                    "repeat a few results, which readers drop by id). Default: ${DEFAULT-VALUE}."})
    WorkerConfig.Delivery delivery;


    @Option(names = "--require-exact-decoders", defaultValue = "${env:SIEVE_REQUIRE_EXACT_DECODERS:-false}",
            description = {"Refuse to start unless JPEGs decode with libjpeg-turbo and PNG data inflates with libdeflate",
                    "(Debian's libturbojpeg0 and libdeflate0): the path the tests verify. Without it the worker logs the",
                    "fallback and runs. Default: ${DEFAULT-VALUE} (env SIEVE_REQUIRE_EXACT_DECODERS; true in the images)."})
    boolean requireExactDecoders;

    @Option(names = "--simulated-accelerator", paramLabel = "MS_PER_BATCH", hidden = true,
            description = {"Benchmarks only (scripts/bench scale): no model at all. Each batch waits MS_PER_BATCH ms",
                    "without using the CPU and gets deterministic fake scores from a simulated head; records say",
                    "clip=simulated-accelerator. 24.7 is an estimate of CLIP ViT-L/14-336 fp16 on an H100 at 32 crops",
                    "(382 GFLOPs per crop at 50% of 989 TFLOP/s); an H200 measured 31.7 (scripts/bench gpu, TorchScript fp16)."})
    Double simulatedMsPerBatch;

    @Option(names = "--dedup",
            description = {"Same bytes, one inference: an image whose bytes (sha256) were scored before with the same CLIP,",
                    "heads and settings gets that result again, marked duplicate_of the first, without decoding or",
                    "inference. Results are shared through the compacted topic --dedup-topic (written in the same",
                    "transaction; read to its end at start). Default: off."})
    boolean dedup;

    @Option(names = "--dedup-topic", defaultValue = "images.content", paramLabel = "TOPIC",
            description = "Compacted topic of results by content (created when missing). Default: ${DEFAULT-VALUE}.")
    String dedupTopic;

    @Option(names = "--dedup-store-mb", defaultValue = "256", paramLabel = "MB",
            description = "Results held in memory for --dedup (least recently used dropped past it). Default: ${DEFAULT-VALUE}.")
    long dedupStoreMb;

    @Override
    public Integer call() throws Exception {
        WorkerConfig d = WorkerConfig.defaults(kafka.bootstrapServers);
        WorkerConfig config = new WorkerConfig(kafka.bootstrapServers, group, inputTopic, scoredTopic,
                failedTopic, workerId != null ? workerId : d.workerId(), maxInFlight, batchCrops,
                Duration.ofMillis(batchWaitMs), prepareThreads != null ? prepareThreads : d.prepareThreads(),
                d.commitInterval(), delivery, logging.format, pixelBudgetMegapixels, fetchBudgetMegabytes);
        // Before anything slow: a worker that would score differently from the tests says so, or refuses at once.
        DecoderLibraries decoders = DecoderLibraries.probe(models.jpegDecoder);
        System.err.println(decoders.line());
        if (requireExactDecoders) decoders.requireExact();
        // The endpoint starts before the model loads: the pod is live (not ready) while it loads.
        PrometheusMeterRegistry registry = MetricsServer.newRegistry();
        decoders.register(registry);
        WorkerMetrics metrics = new WorkerMetrics(registry, health.bounds(kafka.bootstrapServers));
        Optional<MetricsServer> server = MetricsOptions.start(metricsPort, registry, metrics);
        long loadStart = System.nanoTime();
        try (ModelStage model = simulatedMsPerBatch != null ? ModelStage.simulated(simulatedMsPerBatch, System.err)
                     : ModelStage.real(models.load(System.err));
             ImageFetcher fetcher = new ImageFetcher(fetch.config());
             ScoredContent content = dedup ? new ScoredContent(kafka.bootstrapServers, dedupTopic,
                     model.clipModel().getDigest() + " " + models.resultSettings(), dedupStoreMb << 20)
                     .start(Duration.ofMinutes(5)) : null;
             ImagePipeline pipeline = new ImagePipeline(config, fetcher, model.preparer(), model.scorer(),
                     model.clipModel(), metrics, List.of(), content)) {
            metrics.modelLoaded(Duration.ofNanos(System.nanoTime() - loadStart));
            // Inference and preprocessing share the cores: say how they were split, so an oversubscribed pod shows.
            System.err.printf("threads: %d cores; preprocessing pool %d; libtorch intra-op %s, inter-op %s%n",
                    Runtime.getRuntime().availableProcessors(), config.prepareThreads(),
                    System.getProperty("ai.djl.pytorch.num_threads", "libtorch default (all cores)"),
                    System.getProperty("ai.djl.pytorch.num_interop_threads", "libtorch default"));
            ShareWorker share = mode == Mode.share ? new ShareWorker(config, pipeline, deliveryLimit) : null;
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

    /** The real models, or the benchmark's simulated accelerator (which loads no libtorch at all). */
    record ModelStage(ImagePreparer preparer, BatchScorer scorer, ClipModel clipModel, AutoCloseable resources)
            implements AutoCloseable {
        static ModelStage real(ModelOptions.Loaded loaded) {
            return new ModelStage(loaded.preparer(), loaded.scorer(), loaded.clipModel(), loaded);
        }

        static ModelStage simulated(double msPerBatch, PrintStream log) {
            if (!(msPerBatch >= 0)) throw new IllegalArgumentException("--simulated-accelerator: ms per batch must be ≥ 0");
            var accelerator = new SimulatedAccelerator(Duration.ofNanos(Math.round(msPerBatch * 1e6)));
            log.printf("model: SIMULATED ACCELERATOR (benchmark only, no CLIP, no libtorch): %.1f ms per batch, "
                    + "deterministic fake scores; records say clip=%s%n", msPerBatch, SimulatedAccelerator.ID);
            var preparer = new ImagePreparer(ClipPreprocessing.openaiClip336(), DecodeOptions.defaults(), true);
            return new ModelStage(preparer, accelerator, SimulatedAccelerator.clipModel(), () -> { });
        }

        @Override
        public void close() throws Exception {
            resources.close();
        }
    }
}
