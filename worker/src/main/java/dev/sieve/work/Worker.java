package dev.sieve.work;

import dev.sieve.kafka.KafkaClients;
import dev.sieve.StageException;
import dev.sieve.avro.ClipModel;
import dev.sieve.avro.FailedImage;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.Stage;
import dev.sieve.avro.StageTimings;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.PixelBudget;
import dev.sieve.image.PreparedImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.model.ImageScore;
import dev.sieve.model.BatchScorer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker: images.in → fetch → decode+tile → batch → CLIP+heads → images.scored | images.failed.
 *
 * <p>One thread owns the consumer and a transactional producer. Each polled record starts an asynchronous job
 * (fetch on the HTTP client, prepare on a pool, inference on the batcher thread); finished results are written
 * in offset order per partition, together with their offsets, in one Kafka transaction. So a record's offset
 * is committed only when its output is written, and a crash replays exactly the records without output.
 */
public final class Worker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    private static final AvroSerde<ImageRef> REFS = AvroSerde.of(ImageRef.class);
    private static final AvroSerde<ScoredImage> SCORED = AvroSerde.of(ScoredImage.class);
    private static final AvroSerde<FailedImage> FAILED = AvroSerde.of(FailedImage.class);

    /** What one record ends as: a record for images.scored or images.failed, and the reference it is about. */
    record Output(ProducerRecord<String, byte[]> record, boolean scored, ImageRef ref) {
        int bytes() {
            return record.value().length + (record.key() == null ? 0 : FieldBounds.utf8Length(record.key()));
        }
    }

    /** Room left in a produce request for the batch and record headers around one output's key and value. */
    private static final int RECORD_OVERHEAD_BYTES = 1024;
    /** The uri and source a refused output's failure keeps: short, so that the failure itself surely fits. */
    private static final int MINIMAL_URI_BYTES = 1024;

    private record Entry(long offset, CompletableFuture<Output> output) {}

    /** Stage reached and time spent, filled in as the job moves along. */
    private static final class Job {
        volatile Stage stage = Stage.FETCH;
        volatile long fetchNanos;
        volatile long bytes;
        volatile String sha256;
        volatile String optOut;
        final long startNanos = System.nanoTime();
    }

    private final WorkerConfig config;
    private final ImageFetcher fetcher;
    private final ImagePreparer preparer;
    private final BatchScorer scorer;
    private final ClipModel clip;
    private final ExecutorService preparePool;
    /** Decoded pixels all prepare threads hold at once: the pool's size follows the cores, this follows the heap. */
    private final PixelBudget pixelBudget;
    /** Encoded bytes held by fetches and by images not decoded yet. */
    private final FetchBudget fetchBudget;
    private final Batcher batcher;
    private final WorkerStats stats = new WorkerStats();
    private final WorkerMetrics metrics;
    private final FailureLog failureLog;
    /** The largest key and value an output may have together: the producer refuses a record over max.request.size. */
    private final int maxOutputBytes;
    private final Map<TopicPartition, ArrayDeque<Entry>> pending = new HashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean running = true;
    /** Whether the poll loop paused its partitions for back-pressure (poll thread only). */
    private boolean paused;
    private KafkaConsumer<String, byte[]> consumer;
    private KafkaProducer<String, byte[]> producer;
    /** The clients' own metrics in the registry; closed with the clients. */
    private AutoCloseable kafkaMeters;

    public Worker(WorkerConfig config, ImageFetcher fetcher, ImagePreparer preparer, BatchScorer scorer, ClipModel clip) {
        this(config, fetcher, preparer, scorer, clip, WorkerMetrics.unregistered());
    }

    public Worker(WorkerConfig config, ImageFetcher fetcher, ImagePreparer preparer, BatchScorer scorer, ClipModel clip,
                  WorkerMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.failureLog = new FailureLog(config.failureLog(), config.workerId());
        this.maxOutputBytes = Integer.parseInt(KafkaClients.props(config.bootstrapServers())
                .getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "1048576")) - RECORD_OVERHEAD_BYTES;
        metrics.bind(stats, inFlight);
        this.pixelBudget = new PixelBudget(config.pixelBudget());
        this.fetchBudget = new FetchBudget(config.fetchBudgetBytes());
        metrics.bind(pixelBudget, fetchBudget);
        this.fetcher = fetcher;
        this.preparer = preparer;
        this.scorer = scorer;
        this.clip = clip;
        AtomicInteger n = new AtomicInteger();
        this.preparePool = Executors.newFixedThreadPool(config.prepareThreads(), r -> {
            Thread t = new Thread(r, "sieve-prepare-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.batcher = new Batcher(scorer, config.batchCrops(), config.batchWait(), metrics);
    }

    /** For ShareWorker, which drives this pipeline with its own poll loop. */
    WorkerMetrics metrics() {
        return metrics;
    }

    public WorkerStats stats() {
        return stats;
    }

    /** Runs until {@link #stop()}; throws when Kafka says this worker must not go on (fenced, unauthorised). */
    public void run() {
        consumer = new KafkaConsumer<>(consumerProps(), new StringDeserializer(), new ByteArrayDeserializer());
        producer = new KafkaProducer<>(producerProps(), new StringSerializer(), new ByteArraySerializer());
        kafkaMeters = metrics.bind(consumer, producer);
        try {
            if (config.transactional()) retryOnTimeout("initialising transactions", producer::initTransactions);
            consumer.subscribe(List.of(config.inputTopic()), new Rebalance());
            log.info("worker {} consuming {} as group {}", config.workerId(), config.inputTopic(), config.groupId());
            long lastCommit = System.nanoTime();
            long lastLog = System.nanoTime();
            long lastLag = 0;
            while (running) {
                long untilCommit = config.commitInterval().toNanos() - (System.nanoTime() - lastCommit);
                Duration timeout = inFlight.get() > 0 ? Duration.ofMillis(10) : Duration.ofMillis(200);
                if (paused) {
                    // The consumer (group.protocol=consumer) spins inside poll(timeout) while paused partitions hold
                    // buffered fetches (KAFKA-21084): that cost this thread and the consumer's background thread
                    // ~0.6 of a core on 2 cores (scripts/bench e2e, CPU by thread group), taken from the prepare pool.
                    // Paused, nothing can arrive anyway: wait for the next write, then poll without waiting, which
                    // keeps the member alive (max.poll.interval.ms) and runs rebalance callbacks.
                    awaitNextWrite(Math.max(1_000_000L, Math.min(untilCommit, 100_000_000L)));
                    timeout = Duration.ZERO;
                }
                try {
                    for (ConsumerRecord<String, byte[]> rec : consumer.poll(timeout)) {
                        TopicPartition tp = new TopicPartition(rec.topic(), rec.partition());
                        pending.computeIfAbsent(tp, k -> new ArrayDeque<>()).add(new Entry(rec.offset(), start(rec)));
                        inFlight.incrementAndGet();
                        stats.polled.incrementAndGet();
                    }
                } catch (WakeupException e) {
                    // stop() woke us up; the loop condition decides.
                }
                // Lag costs a call per partition into the consumer: once a second is enough for a gauge.
                boolean readLag = System.nanoTime() - lastLag >= 1_000_000_000L;
                metrics.tick(consumer, readLag);
                if (readLag) lastLag = System.nanoTime();
                if (System.nanoTime() - lastCommit >= config.commitInterval().toNanos()) {
                    writeFinished();
                    lastCommit = System.nanoTime();
                }
                applyBackPressure();
                if (System.nanoTime() - lastLog > 10_000_000_000L) {
                    log.info("{}; {} in flight", stats, inFlight.get());
                    lastLog = System.nanoTime();
                }
            }
            drain(Duration.ofSeconds(30));
        } finally {
            metrics.stopped();
            closeQuietly();
        }
    }

    /** Asks {@link #run()} to finish what is in flight (bounded), commit it and return. Any thread may call it. */
    public void stop() {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) c.wakeup();
    }

    /** Starts the record's job; the future never fails (a failure is an images.failed Output). ShareWorker uses it too. */
    CompletableFuture<Output> start(ConsumerRecord<String, byte[]> rec) {
        ImageRef ref;
        try {
            ref = REFS.decode(rec.value());
        } catch (SerializationException e) {
            ImageRef unreadable = Outcomes.unreadableRef(rec.key(), rec.topic(), rec.partition(), rec.offset());
            StageException why = new StageException(Stage.INPUT, FailureCode.BAD_REFERENCE, rec.topic() + "-"
                    + rec.partition() + "@" + rec.offset() + " is not an ImageRef: " + e.getMessage());
            return CompletableFuture.completedFuture(failed(unreadable, why, rec.value()));
        }
        var oversized = FieldBounds.oversized(ref);
        if (oversized.isPresent()) {
            return CompletableFuture.completedFuture(failed(ref, new StageException(Stage.INPUT, FailureCode.BAD_REFERENCE,
                    "the reference is too large to score: " + oversized.get())));
        }
        if (ref.getUri().isBlank()) {
            return CompletableFuture.completedFuture(failed(ref,
                    new StageException(Stage.INPUT, FailureCode.BAD_REFERENCE, "the reference has an empty uri")));
        }
        Job job = new Job();
        // This job's share of the fetch budget: its body's size once the headers say it (the byte limit when they
        // do not), the body's real size once it has arrived, nothing once it is decoded.
        FetchBudget.Share share = fetchBudget.share();
        try {
            return fetcher.fetch(ref.getUri(), share::take)
                    .thenApply(fetched -> {
                        share.shrinkTo(fetched.bytes().length);
                        return fetched;
                    })
                    .thenApplyAsync(fetched -> {
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
                    }, preparePool)
                    .whenComplete((prepared, err) -> share.close())
                    .thenCompose(prepared -> {
                        job.stage = Stage.INFER;
                        return batcher.submit(prepared).thenApply(score -> scored(ref, prepared, score, job));
                    })
                    .exceptionally(err -> failed(ref, asStageException(err, job.stage)))
                    .whenComplete((output, err) -> metrics.released(job.bytes));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failed(ref, Outcomes.internal(job.stage, e)));
        }
    }

    private Output scored(ImageRef ref, PreparedImage image, ImageScore score, Job job) {
        StageTimings timings = StageTimings.newBuilder()
                .setFetchUs(job.fetchNanos / 1000)
                .setDecodeUs(image.decodeNanos() / 1000)
                .setPreprocessUs(image.preprocessNanos() / 1000)
                .setInferUs(score.inferNanos() / 1000)
                .setTotalUs((System.nanoTime() - job.startNanos) / 1000)
                .build();
        metrics.scored(timings);
        ScoredImage value = Outcomes.scored(ref, image, score, clip, config.workerId(), timings, job.sha256, job.optOut);
        return fitting(new Output(new ProducerRecord<>(config.scoredTopic(), ref.getId(), SCORED.encode(value)), true, ref));
    }

    private Output failed(ImageRef ref, StageException e) {
        return failed(ref, e, null);
    }

    Output failed(ImageRef ref, StageException e, byte[] rawValue) {
        metrics.failed(e);
        failureLog.log(ref, e);
        FailedImage value = Outcomes.failed(ref, e, config.workerId(), rawValue);
        return fitting(new Output(new ProducerRecord<>(config.failedTopic(), value.getRef().getId(), FAILED.encode(value)),
                false, ref));
    }

    /**
     * The output itself when the producer will take it, else a failure that says so. Bounded fields keep outputs far
     * under the limit; this is for what the bounds did not foresee (a head with thousands of labels, a lowered
     * max.request.size), so that it costs one record, not the transaction of all the others.
     */
    private Output fitting(Output o) {
        if (o.bytes() <= maxOutputBytes) return o;
        return refused(o, "it is " + o.bytes() + " bytes, over the " + maxOutputBytes
                + " bytes a record may have under the producer's max.request.size");
    }

    /** A short images.failed record (EMIT, TOO_LARGE) in place of an output Kafka will not take. */
    Output refused(Output o, String why) {
        ImageRef ref = o.ref();
        ImageRef minimal = ImageRef.newBuilder(ref)
                .setId(FieldBounds.text(ref.getId(), FieldBounds.ID_BYTES))
                .setUri(FieldBounds.text(ref.getUri(), MINIMAL_URI_BYTES))
                .setSource(FieldBounds.text(ref.getSource(), MINIMAL_URI_BYTES))
                .setAttributes(Map.of())
                .build();
        StageException e = new StageException(Stage.EMIT, FailureCode.TOO_LARGE, "the " + (o.scored() ? "scored" : "failed")
                + " record for this reference could not be written: " + why + " (attributes left out here)");
        metrics.failed(e);
        failureLog.log(minimal, e);
        FailedImage value = Outcomes.failed(minimal, e, config.workerId(), null);
        return new Output(new ProducerRecord<>(config.failedTopic(), minimal.getId(), FAILED.encode(value)), false, minimal);
    }

    /**
     * Whether a write failed because of the record itself — too large for the producer or the topic, or otherwise
     * refused for what it holds — so that writing it again can only fail again, while the others would succeed.
     */
    static boolean refusedForItself(Throwable t) {
        Throwable c = t instanceof java.util.concurrent.ExecutionException && t.getCause() != null ? t.getCause() : t;
        return c instanceof RecordTooLargeException || c instanceof RecordBatchTooLargeException
                || c instanceof InvalidRecordException;
    }

    /** The outputs again, those whose write was refused for themselves replaced by their failure; null when none was. */
    private List<Output> replacingRefused(List<Output> outputs, List<Future<RecordMetadata>> sent) {
        List<Output> again = new ArrayList<>(outputs);
        boolean any = false;
        for (int i = 0; i < sent.size(); i++) {
            Throwable error = sendError(sent.get(i));
            if (error != null && refusedForItself(error)) {
                again.set(i, refused(outputs.get(i), error.getMessage()));
                any = true;
            }
        }
        return any ? again : null;
    }

    /** Why a finished send failed; null when it succeeded or has not finished. */
    private static Throwable sendError(Future<RecordMetadata> send) {
        if (!send.isDone()) return null;
        try {
            send.get();
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause() == null ? e : e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static StageException asStageException(Throwable err, Stage stage) {
        Throwable t = err;
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof StageException se ? se : Outcomes.internal(stage, t);
    }

    /** Writes every finished result at the head of each partition's queue, with its offsets, in one transaction. */
    private void writeFinished() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        List<Output> outputs = new ArrayList<>();
        for (var e : pending.entrySet()) {
            ArrayDeque<Entry> queue = e.getValue();
            long next = -1;
            while (!queue.isEmpty() && queue.peekFirst().output().isDone()) {
                Entry done = queue.pollFirst();
                outputs.add(done.output().join());
                next = done.offset() + 1;
            }
            if (next >= 0) offsets.put(e.getKey(), new OffsetAndMetadata(next));
        }
        if (outputs.isEmpty()) return;
        // Every call from here on is a Kafka client call that times out by itself: waiting in one is not a stall.
        metrics.awaitingKafka();
        try {
            if (config.transactional()) writeInTransaction(outputs, offsets); else writeThenCommit(outputs, offsets);
        } finally {
            metrics.kafkaReturned();
        }
    }

    private void writeInTransaction(List<Output> outputs, Map<TopicPartition, OffsetAndMetadata> offsets) {
        List<Output> toWrite = outputs;
        for (int attempt = 1; ; attempt++) {
            List<Future<RecordMetadata>> sent = new ArrayList<>(toWrite.size());
            try {
                producer.beginTransaction();
                for (Output o : toWrite) sent.add(producer.send(o.record()));
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                // A commit that times out (broker down past max.block.ms) may or may not have happened; the producer
                // only allows the same commit to be retried, which then reports the outcome of that one transaction.
                retryOnTimeout("committing a transaction of " + toWrite.size() + " results", producer::commitTransaction);
                break;
            } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
                throw new IllegalStateException("worker " + config.workerId() + " cannot go on: " + e.getMessage(), e);
            } catch (KafkaException e) {
                retryOnTimeout("aborting a transaction", producer::abortTransaction);
                stats.aborted.incrementAndGet();
                // One output refused for itself (too large for the topic, say) aborts the transaction of every
                // partition this worker owns, and would again at every replay: end it as a failure and write the
                // same transaction again at once. A refused failure is short, so a second round is the last.
                List<Output> replaced = attempt < 3 ? replacingRefused(toWrite, sent) : null;
                if (replaced != null) {
                    log.warn("transaction of {} results aborted ({}); writing it again with the refused outputs as "
                            + "failures", toWrite.size(), e.toString());
                    toWrite = replaced;
                    continue;
                }
                // Nothing of this transaction is visible to read_committed readers: replay it from the committed offsets.
                log.warn("transaction of {} results aborted ({}); replaying from the last committed offsets",
                        toWrite.size(), e.toString());
                inFlight.addAndGet(-outputs.size());
                rewind(offsets.keySet());
                return;
            }
        }
        inFlight.addAndGet(-outputs.size());
        stats.transactions.incrementAndGet();
        for (Output o : toWrite) (o.scored() ? stats.scored : stats.failed).incrementAndGet();
    }

    /**
     * Runs a producer call again while it times out: an unreachable broker (restarting, say) is waited out instead
     * of ending the worker. The producer documents initTransactions, commitTransaction and abortTransaction as safe
     * to retry after a TimeoutException. After stop() the timeout ends the worker (non-zero exit); the broker
     * aborts the open transaction and the offsets it carried are replayed by the next owner.
     */
    private void retryOnTimeout(String what, Runnable call) {
        while (true) {
            metrics.awaitingKafka();
            try {
                call.run();
                return;
            } catch (TimeoutException e) {
                if (!running) throw e;
                log.warn("{} timed out ({}); the broker may be restarting, trying again", what, e.getMessage());
            } finally {
                metrics.kafkaReturned();
            }
        }
    }

    /**
     * At least once: the offsets move only after every result is acknowledged; a failed send replays them — except a
     * send refused for the record itself, which no replay can cure: its failure is written in its place (the others
     * are written already, and replaying them would write them again at every try).
     */
    private void writeThenCommit(List<Output> outputs, Map<TopicPartition, OffsetAndMetadata> offsets) {
        List<Output> written = new ArrayList<>(outputs.size());
        try {
            List<Output> toSend = outputs;
            for (int attempt = 1; !toSend.isEmpty(); attempt++) {
                List<Future<RecordMetadata>> sent = new ArrayList<>(toSend.size());
                for (Output o : toSend) sent.add(producer.send(o.record()));
                producer.flush();
                List<Output> again = new ArrayList<>();
                for (int i = 0; i < sent.size(); i++) {
                    try {
                        sent.get(i).get();
                        written.add(toSend.get(i));
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (attempt >= 3 || !refusedForItself(e)) throw e;
                        again.add(refused(toSend.get(i), e.getCause().getMessage()));
                    }
                }
                toSend = again;
            }
            consumer.commitSync(offsets);
        } catch (java.util.concurrent.ExecutionException | KafkaException e) {
            log.warn("{} results not all written or their offsets not committed ({}); replaying from the last "
                    + "committed offsets", outputs.size(), e.toString());
            inFlight.addAndGet(-outputs.size());
            rewind(offsets.keySet());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing results", e);
        }
        inFlight.addAndGet(-outputs.size());
        for (Output o : written) (o.scored() ? stats.scored : stats.failed).incrementAndGet();
    }

    private void rewind(Set<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions);
        for (TopicPartition tp : partitions) {
            drop(List.of(tp));
            OffsetAndMetadata c = committed.get(tp);
            if (c != null) consumer.seek(tp, c.offset()); else consumer.seekToBeginning(List.of(tp));
        }
    }

    /** Forgets in-flight work of partitions this worker no longer owns; their next owner redoes it. */
    private void drop(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            ArrayDeque<Entry> queue = pending.remove(tp);
            if (queue != null) inFlight.addAndGet(-queue.size());
        }
    }

    private void applyBackPressure() {
        // pause/resume/paused are calls into the consumer's background thread: make them only on a change.
        Set<TopicPartition> assigned = consumer.assignment();
        if (inFlight.get() >= config.maxInFlight()) {
            if (!paused || !consumer.paused().containsAll(assigned)) consumer.pause(assigned);
            paused = true;
        } else if (paused) {
            if (!consumer.paused().isEmpty()) consumer.resume(consumer.paused());
            paused = false;
        }
    }

    /**
     * Paused, the loop has nothing to do before the next write: results are only written (and in flight only drops)
     * every commit interval, so a finished image changes nothing sooner. At most 100 ms, so stop() is seen promptly.
     */
    private static void awaitNextWrite(long nanos) {
        java.util.concurrent.locks.LockSupport.parkNanos(nanos);
    }

    private void drain(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            writeFinished();
            if (inFlight.get() > 0) {
                CompletableFuture<?>[] heads = pending.values().stream().filter(q -> !q.isEmpty())
                        .map(q -> q.peekFirst().output()).toArray(CompletableFuture[]::new);
                try {
                    CompletableFuture.anyOf(heads).get(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    // timeout or a failed future: the loop re-checks
                }
            }
        }
        if (inFlight.get() > 0) log.warn("stopping with {} images unfinished; they will be redone", inFlight.get());
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Commit what is finished while we still own the partitions, then let go of the rest.
            writeFinished();
            drop(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            drop(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            log.info("worker {} assigned {}", config.workerId(), partitions);
        }
    }

    private Properties consumerProps() {
        Properties p = KafkaClients.props(config.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        // KIP-848's protocol: the broker assigns partitions incrementally, so a joining or leaving worker does not
        // stop the others; its member epoch fences a zombie's sendOffsetsToTransaction just as the generation did.
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "sieve-worker-" + config.workerId());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(config.maxInFlight()));
        return p;
    }

    private Properties producerProps() {
        Properties p = KafkaClients.props(config.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "sieve-worker-" + config.workerId());
        if (config.transactional()) p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "sieve-worker-" + config.workerId());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        return p;
    }

    private void closeQuietly() {
        try {
            if (kafkaMeters != null) kafkaMeters.close();
        } catch (Exception e) {
            log.warn("closing Kafka client metrics: {}", e.toString());
        }
        try {
            if (consumer != null) consumer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.warn("closing consumer: {}", e.toString());
        }
        try {
            if (producer != null) producer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.warn("closing producer: {}", e.toString());
        }
    }

    @Override
    public void close() {
        stop();
        batcher.close();
        preparePool.shutdownNow();
    }
}
