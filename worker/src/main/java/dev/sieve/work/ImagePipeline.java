package dev.sieve.work;

import dev.sieve.StageException;
import dev.sieve.avro.ClipModel;
import dev.sieve.avro.FailedImage;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.Stage;
import dev.sieve.avro.StageTimings;
import dev.sieve.fetch.Fetched;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.PixelBudget;
import dev.sieve.image.PreparedImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.model.BatchScorer;
import dev.sieve.model.ImageScore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The path of one image: images.in record → reference → fetch → prepare (decode, tile) → batch → score → an
 * {@link Outcome} carrying every record the image writes. The group loop ({@link Worker}), the share loop
 * ({@link ShareWorker}) and {@code sieve score} all go through it; the loops own Kafka (poll, order, transaction,
 * acknowledgement), this owns the image.
 *
 * <p>Threads: the fetch runs on the fetcher's, prepare on this pipeline's pool, inference on the batcher's thread,
 * which also builds the outcome. Memory: {@link FetchBudget} bounds the encoded bytes held, {@link PixelBudget} the
 * decoded pixels; the caller bounds the images in flight.
 *
 * <p>Where later steps plug in (docs/architecture.md, "Adding an output record per image"): the fetched bytes are in
 * hand in {@link #prepare}, before any decoding (a content hash goes there; a result reused for bytes scored before
 * goes between the fetch and prepare in {@link #process(ImageRef)}); the prepared image and the model's
 * {@link ImageScore} reach {@link #scored}, which asks each {@link SideOutput} for its records.
 */
public final class ImagePipeline implements AutoCloseable {

    /** Room left in a produce request for the batch and record headers around one output's key and value. */
    private static final int RECORD_OVERHEAD_BYTES = 1024;
    /** The uri and source a refused output's failure keeps: short, so that the failure itself surely fits. */
    private static final int MINIMAL_URI_BYTES = 1024;

    /** Stage reached and time spent, filled in as the image moves along. */
    private static final class Job {
        final ImageRef ref;
        final long startNanos = System.nanoTime();
        volatile Stage stage = Stage.FETCH;
        volatile long fetchNanos;
        volatile long bytes;
        volatile String sha256;
        volatile String optOut;

        Job(ImageRef ref) {
            this.ref = ref;
        }
    }

    private final WorkerConfig config;
    private final AvroSerde<ImageRef> refs;
    private final AvroSerde<ScoredImage> scoredSerde;
    private final AvroSerde<FailedImage> failedSerde;
    private final ImageFetcher fetcher;
    private final ImagePreparer preparer;
    private final BatchScorer scorer;
    private final ClipModel clip;
    private final List<SideOutput> sideOutputs;
    private final ScoredContent content;
    private final ExecutorService preparePool;
    /** Decoded pixels all prepare threads hold at once: the pool's size follows the cores, this follows the heap. */
    private final PixelBudget pixelBudget;
    /** Encoded bytes held by fetches and by images not decoded yet. */
    private final FetchBudget fetchBudget;
    private final Batcher batcher;
    private final WorkerMetrics metrics;
    private final FailureLog failureLog;
    /** The largest key and value an output may have together: the producer refuses a record over max.request.size. */
    private final int maxOutputBytes;

    public ImagePipeline(WorkerConfig config, ImageFetcher fetcher, ImagePreparer preparer, BatchScorer scorer,
                         ClipModel clip) {
        this(config, fetcher, preparer, scorer, clip, WorkerMetrics.unregistered(), List.of());
    }

    /**
     * @param config      read for the topics, the worker id, the batch, the prepare threads and both budgets
     * @param sideOutputs records each scored image writes besides its ScoredImage, in this order
     */
    public ImagePipeline(WorkerConfig config, ImageFetcher fetcher, ImagePreparer preparer, BatchScorer scorer,
                         ClipModel clip, WorkerMetrics metrics, List<SideOutput> sideOutputs) {
        this(config, fetcher, preparer, scorer, clip, metrics, sideOutputs, null);
    }

    /**
     * @param content results already scored by content ({@code --dedup}): reused for the same bytes, and each new result
     *                added to it (it is also a side output); null: every image goes to the model
     */
    public ImagePipeline(WorkerConfig config, ImageFetcher fetcher, ImagePreparer preparer, BatchScorer scorer,
                         ClipModel clip, WorkerMetrics metrics, List<SideOutput> sideOutputs, ScoredContent content) {
        this.content = content;
        this.config = config;
        this.refs = config.kafka().serde(ImageRef.class);
        this.scoredSerde = config.kafka().serde(ScoredImage.class);
        this.failedSerde = config.kafka().serde(FailedImage.class);
        this.fetcher = fetcher;
        this.preparer = preparer;
        this.scorer = scorer;
        this.clip = clip;
        List<SideOutput> sides = new ArrayList<>(sideOutputs);
        if (content != null) sides.add(content);
        this.sideOutputs = List.copyOf(sides);
        this.metrics = metrics;
        this.failureLog = new FailureLog(config.failureLog(), config.workerId());
        this.maxOutputBytes = Integer.parseInt(config.kafka().props()
                .getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "1048576")) - RECORD_OVERHEAD_BYTES;
        this.pixelBudget = new PixelBudget(config.pixelBudget());
        this.fetchBudget = new FetchBudget(config.fetchBudgetBytes());
        metrics.bind(pixelBudget, fetchBudget);
        metrics.bind(preparer);
        AtomicInteger n = new AtomicInteger();
        this.preparePool = Executors.newFixedThreadPool(config.prepareThreads(), r -> {
            Thread t = new Thread(r, "sieve-prepare-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.batcher = new Batcher(scorer, config.batchCrops(), config.batchWait(), metrics);
    }

    /** The meters the loops report to as well: one set per worker. */
    WorkerMetrics metrics() {
        return metrics;
    }

    /** An images.in record to its outcome. The future never fails: a failure is a {@link Outcome.Failed}. */
    public CompletableFuture<Outcome> process(ConsumerRecord<String, byte[]> rec) {
        ImageRef ref;
        try {
            ref = refs.decode(rec.value());
        } catch (SerializationException e) {
            return CompletableFuture.completedFuture(unreadable(rec, new StageException(Stage.INPUT,
                    FailureCode.BAD_REFERENCE, where(rec) + " is not an ImageRef: " + e.getMessage())));
        }
        return process(ref);
    }

    /** A reference to its outcome. The future never fails: a failure is a {@link Outcome.Failed}. */
    public CompletableFuture<Outcome> process(ImageRef ref) {
        var oversized = FieldBounds.oversized(ref);
        if (oversized.isPresent()) {
            return CompletableFuture.completedFuture(failed(ref, new StageException(Stage.INPUT,
                    FailureCode.BAD_REFERENCE, "the reference is too large to score: " + oversized.get())));
        }
        if (ref.getUri().isBlank()) {
            return CompletableFuture.completedFuture(failed(ref,
                    new StageException(Stage.INPUT, FailureCode.BAD_REFERENCE, "the reference has an empty uri")));
        }
        Job job = new Job(ref);
        // This image's share of the fetch budget: its body's size once the headers say it (the byte limit when they
        // do not), the body's real size once it has arrived, nothing once it is decoded.
        FetchBudget.Share share = fetchBudget.share();
        try {
            return fetcher.fetch(ref.getUri(), share::take)
                    .thenApply(fetched -> {
                        share.shrinkTo(fetched.bytes().length);
                        return fetched;
                    })
                    .thenApplyAsync(fetched -> reusedOrPrepared(job, fetched), preparePool)
                    .whenComplete((step, err) -> share.close())
                    .thenCompose(step -> {
                        if (step.reused() != null) return CompletableFuture.completedFuture(step.reused());
                        job.stage = Stage.INFER;
                        return batcher.submit(step.prepared()).thenApply(score -> scored(job, step.prepared(), score));
                    })
                    .exceptionally(err -> failed(ref, asStageException(err, job.stage)))
                    .whenComplete((outcome, err) -> metrics.released(job.bytes));
        } catch (RuntimeException e) {
            share.close();
            return CompletableFuture.completedFuture(failed(ref, Outcomes.internal(job.stage, e)));
        }
    }

    /** After the fetch: a result reused for bytes scored before ({@code --dedup}), or the image prepared for the model. */
    private record Step(Outcome reused, PreparedImage prepared) {}

    private Step reusedOrPrepared(Job job, Fetched fetched) {
        if (content != null) {
            Optional<ScoredImage> earlier = content.earlier(fetched.sha256());
            if (earlier.isPresent()) return new Step(reused(job, fetched, earlier.get()), null);
        }
        return new Step(null, prepare(job, fetched));
    }

    /**
     * The earlier result for this reference, marked a duplicate of the image first scored from the same bytes, without
     * decoding or inference. The first image's own replay (a transaction aborted after it was stored) is not marked.
     */
    private Outcome reused(Job job, Fetched fetched, ScoredImage earlier) {
        job.fetchNanos = fetched.nanos();
        job.bytes = fetched.bytes().length;
        metrics.fetched(job.bytes);
        StageTimings timings = StageTimings.newBuilder().setFetchUs(job.fetchNanos / 1000)
                .setTotalUs((System.nanoTime() - job.startNanos) / 1000).build();
        metrics.scored(timings);
        String first = earlier.getRef().getId();
        ScoredImage value = ScoredImage.newBuilder(earlier)
                .setRef(job.ref)
                .setDuplicateOf(first.equals(job.ref.getId()) ? null : first)
                .setWorkerId(config.workerId())
                .setTimings(timings)
                .setScoredAt(java.time.Instant.now())
                .setOptOut(fetched.optOut())
                .build();
        return fitting(new Outcome.Scored(job.ref, value,
                List.of(new Output(config.scoredTopic(), job.ref.getId(), scoredSerde.encode(value)))));
    }

    /** On a prepare thread: the fetched bytes (the last step that sees them) to the tiles CLIP takes. */
    private PreparedImage prepare(Job job, Fetched fetched) {
        job.fetchNanos = fetched.nanos();
        job.bytes = fetched.bytes().length;
        job.sha256 = fetched.sha256();
        job.optOut = fetched.optOut();
        metrics.fetched(job.bytes);
        job.stage = Stage.DECODE;
        try {
            return preparer.prepare(fetched.bytes(), scorer.needsWholeImage(), pixelBudget);
        } catch (StageException e) {
            throw new CompletionException(e);
        }
    }

    /** On the batcher thread: the ScoredImage, then each side output, all sized for the producer. */
    private Outcome scored(Job job, PreparedImage image, ImageScore score) {
        StageTimings timings = StageTimings.newBuilder()
                .setFetchUs(job.fetchNanos / 1000)
                .setDecodeUs(image.decodeNanos() / 1000)
                .setPreprocessUs(image.preprocessNanos() / 1000)
                .setInferUs(score.inferNanos() / 1000)
                .setTotalUs((System.nanoTime() - job.startNanos) / 1000)
                .build();
        metrics.scored(timings);
        job.stage = Stage.EMIT;
        ScoredImage value = Outcomes.scored(job.ref, image, score, clip, config.workerId(), timings, job.sha256,
                job.optOut);
        List<Output> outputs = new ArrayList<>(1 + sideOutputs.size());
        outputs.add(new Output(config.scoredTopic(), job.ref.getId(), scoredSerde.encode(value)));
        for (SideOutput side : sideOutputs) outputs.addAll(side.outputs(value, image, score));
        return fitting(new Outcome.Scored(job.ref, value, outputs));
    }

    /** The failure of a reference: logged, counted, its FailedImage within bounds. */
    private Outcome failed(ImageRef ref, StageException e) {
        return failed(ref, e, null);
    }

    /**
     * The outcome of a record that is not worked on ({@code why} says why: given up after too many deliveries, say),
     * whether or not its value reads as a reference.
     */
    Outcome notProcessed(ConsumerRecord<String, byte[]> rec, StageException why) {
        try {
            return failed(refs.decode(rec.value()), why, null);
        } catch (SerializationException e) {
            return unreadable(rec, why);
        }
    }

    /** An unreadable images.in value: the failure names the record's key (or its place) and keeps the raw value. */
    private Outcome unreadable(ConsumerRecord<String, byte[]> rec, StageException why) {
        return failed(Outcomes.unreadableRef(rec.key(), rec.topic(), rec.partition(), rec.offset()), why, rec.value());
    }

    private Outcome failed(ImageRef ref, StageException e, byte[] rawValue) {
        metrics.failed(e);
        failureLog.log(ref, e);
        FailedImage value = Outcomes.failed(ref, e, config.workerId(), rawValue);
        return fitting(new Outcome.Failed(value.getRef(), e,
                List.of(new Output(config.failedTopic(), value.getRef().getId(), failedSerde.encode(value)))));
    }

    /**
     * The outcome itself when the producer will take each of its outputs, else a failure that says so. Bounded fields
     * keep outputs far under the limit; this is for what the bounds did not foresee (a head with thousands of labels, a
     * lowered max.request.size), so that it costs one image, not the transaction of all the others.
     */
    private Outcome fitting(Outcome o) {
        for (Output out : o.outputs()) {
            if (out.bytes() > maxOutputBytes) {
                return refused(o, out, "it is " + out.bytes() + " bytes, over the " + maxOutputBytes
                        + " bytes a record may have under the producer's max.request.size");
            }
        }
        return o;
    }

    /**
     * A short images.failed record (EMIT, TOO_LARGE) in place of an outcome one of whose outputs Kafka will not take.
     * None of the outcome's other records is written: the image ends as this failure alone.
     */
    Outcome refused(Outcome o, Output refused, String why) {
        ImageRef ref = o.ref();
        ImageRef minimal = ImageRef.newBuilder(ref)
                .setId(FieldBounds.text(ref.getId(), FieldBounds.ID_BYTES))
                .setUri(FieldBounds.text(ref.getUri(), MINIMAL_URI_BYTES))
                .setSource(FieldBounds.text(ref.getSource(), MINIMAL_URI_BYTES))
                .setAttributes(Map.of())
                .build();
        StageException e = new StageException(Stage.EMIT, FailureCode.TOO_LARGE, "the "
                + (o instanceof Outcome.Scored ? "scored" : "failed") + " image's record on " + refused.topic()
                + " could not be written: " + why + " (attributes left out here)");
        metrics.failed(e);
        failureLog.log(minimal, e);
        FailedImage value = Outcomes.failed(minimal, e, config.workerId(), null);
        return new Outcome.Failed(minimal, e,
                List.of(new Output(config.failedTopic(), minimal.getId(), failedSerde.encode(value))));
    }

    private static StageException asStageException(Throwable err, Stage stage) {
        Throwable t = err;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof StageException se ? se : Outcomes.internal(stage, t);
    }

    private static String where(ConsumerRecord<?, ?> rec) {
        return rec.topic() + "-" + rec.partition() + "@" + rec.offset();
    }

    /** Stops the batcher and the prepare threads; images still in flight never complete. Close the loops first. */
    @Override
    public void close() {
        batcher.close();
        preparePool.shutdownNow();
    }
}
