package dev.sieve.work;

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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group loop: images.in (a consumer group) → {@link ImagePipeline} → every record of each outcome, with the
 * offsets, in one Kafka transaction.
 *
 * <p>One thread owns the consumer and a transactional producer. Each polled record goes into the pipeline at once;
 * finished outcomes are written in offset order per partition, together with their offsets, in one transaction. So
 * a record's offset is committed only when all its outputs are written, and a crash replays exactly the records
 * without output.
 */
public final class Worker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private record Entry(long offset, CompletableFuture<Outcome> outcome) {}

    private final WorkerConfig config;
    private final ImagePipeline pipeline;
    private final WorkerStats stats = new WorkerStats();
    private final WorkerMetrics metrics;
    private final Map<TopicPartition, ArrayDeque<Entry>> pending = new HashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean running = true;
    /** Whether the poll loop paused its partitions for back-pressure (poll thread only). */
    private boolean paused;
    private KafkaConsumer<String, byte[]> consumer;
    private KafkaProducer<String, byte[]> producer;
    /** The clients' own metrics in the registry; closed with the clients. */
    private AutoCloseable kafkaMeters;

    /** A loop around {@code pipeline}, which the caller closes after this worker. */
    public Worker(WorkerConfig config, ImagePipeline pipeline) {
        this.config = config;
        this.pipeline = pipeline;
        this.metrics = pipeline.metrics();
        metrics.bind(stats, inFlight);
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
                        pending.computeIfAbsent(tp, k -> new ArrayDeque<>())
                                .add(new Entry(rec.offset(), pipeline.process(rec)));
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

    /**
     * Whether a write failed because of the record itself — too large for the producer or the topic, or otherwise
     * refused for what it holds — so that writing it again can only fail again, while the others would succeed.
     */
    static boolean refusedForItself(Throwable t) {
        Throwable c = t instanceof ExecutionException && t.getCause() != null ? t.getCause() : t;
        return c instanceof RecordTooLargeException || c instanceof RecordBatchTooLargeException
                || c instanceof InvalidRecordException;
    }

    /** The outcomes again, each with an output whose write was refused for itself replaced by its failure; null when none was. */
    private List<Outcome> replacingRefused(List<Outcome> outcomes, List<List<Future<RecordMetadata>>> sent) {
        List<Outcome> again = new ArrayList<>(outcomes);
        boolean any = false;
        for (int i = 0; i < sent.size(); i++) {
            for (int j = 0; j < sent.get(i).size(); j++) {
                Throwable error = sendError(sent.get(i).get(j));
                if (error != null && refusedForItself(error)) {
                    again.set(i, pipeline.refused(outcomes.get(i), outcomes.get(i).outputs().get(j), error.getMessage()));
                    any = true;
                    break;
                }
            }
        }
        return any ? again : null;
    }

    /** Sends every output of the outcome; the futures in the outcome's order, added to {@code sent} as they are made. */
    static void send(KafkaProducer<String, byte[]> producer, Outcome outcome, List<List<Future<RecordMetadata>>> sent) {
        List<Future<RecordMetadata>> sends = new ArrayList<>(outcome.outputs().size());
        sent.add(sends);
        for (Output o : outcome.outputs()) sends.add(producer.send(o.record()));
    }

    /** Why a finished send failed; null when it succeeded or has not finished. */
    private static Throwable sendError(Future<RecordMetadata> send) {
        if (!send.isDone()) return null;
        try {
            send.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause() == null ? e : e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Writes every finished outcome at the head of each partition's queue, with its offsets, in one transaction. */
    private void writeFinished() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        List<Outcome> outcomes = new ArrayList<>();
        for (var e : pending.entrySet()) {
            ArrayDeque<Entry> queue = e.getValue();
            long next = -1;
            while (!queue.isEmpty() && queue.peekFirst().outcome().isDone()) {
                Entry done = queue.pollFirst();
                outcomes.add(done.outcome().join());
                next = done.offset() + 1;
            }
            if (next >= 0) offsets.put(e.getKey(), new OffsetAndMetadata(next));
        }
        if (outcomes.isEmpty()) return;
        // Every call from here on is a Kafka client call that times out by itself: waiting in one is not a stall.
        metrics.awaitingKafka();
        try {
            if (config.transactional()) writeInTransaction(outcomes, offsets); else writeThenCommit(outcomes, offsets);
        } finally {
            metrics.kafkaReturned();
        }
    }

    private void writeInTransaction(List<Outcome> outcomes, Map<TopicPartition, OffsetAndMetadata> offsets) {
        List<Outcome> toWrite = outcomes;
        for (int attempt = 1; ; attempt++) {
            List<List<Future<RecordMetadata>>> sent = new ArrayList<>(toWrite.size());
            try {
                producer.beginTransaction();
                for (Outcome o : toWrite) send(producer, o, sent);
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
                // partition this worker owns, and would again at every replay: end its image as a failure and write
                // the same transaction again at once. A refused failure is short, so a second round is the last.
                List<Outcome> replaced = attempt < 3 ? replacingRefused(toWrite, sent) : null;
                if (replaced != null) {
                    log.warn("transaction of {} results aborted ({}); writing it again with the refused outputs as "
                            + "failures", toWrite.size(), e.toString());
                    toWrite = replaced;
                    continue;
                }
                // Nothing of this transaction is visible to read_committed readers: replay it from the committed offsets.
                log.warn("transaction of {} results aborted ({}); replaying from the last committed offsets",
                        toWrite.size(), e.toString());
                inFlight.addAndGet(-outcomes.size());
                rewind(offsets.keySet());
                return;
            }
        }
        inFlight.addAndGet(-outcomes.size());
        stats.transactions.incrementAndGet();
        for (Outcome o : toWrite) stats.written(o);
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
     * At least once: the offsets move only after every output is acknowledged; a failed send replays them — except a
     * send refused for the record itself, which no replay can cure: its image's failure is written in its place (the
     * others are written already, and replaying them would write them again at every try; so are the image's other
     * outputs, which at least once allows).
     */
    private void writeThenCommit(List<Outcome> outcomes, Map<TopicPartition, OffsetAndMetadata> offsets) {
        List<Outcome> written = new ArrayList<>(outcomes.size());
        try {
            List<Outcome> toSend = outcomes;
            for (int attempt = 1; !toSend.isEmpty(); attempt++) {
                List<List<Future<RecordMetadata>>> sent = new ArrayList<>(toSend.size());
                for (Outcome o : toSend) send(producer, o, sent);
                producer.flush();
                List<Outcome> again = new ArrayList<>();
                for (int i = 0; i < sent.size(); i++) {
                    Outcome refused = null;
                    for (int j = 0; j < sent.get(i).size(); j++) {
                        try {
                            sent.get(i).get(j).get();
                        } catch (ExecutionException e) {
                            if (attempt >= 3 || !refusedForItself(e)) throw e;
                            if (refused == null) {
                                refused = pipeline.refused(toSend.get(i), toSend.get(i).outputs().get(j),
                                        e.getCause().getMessage());
                            }
                        }
                    }
                    if (refused == null) written.add(toSend.get(i)); else again.add(refused);
                }
                toSend = again;
            }
            consumer.commitSync(offsets);
        } catch (ExecutionException | KafkaException e) {
            log.warn("{} results not all written or their offsets not committed ({}); replaying from the last "
                    + "committed offsets", outcomes.size(), e.toString());
            inFlight.addAndGet(-outcomes.size());
            rewind(offsets.keySet());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing results", e);
        }
        inFlight.addAndGet(-outcomes.size());
        for (Outcome o : written) stats.written(o);
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
                        .map(q -> q.peekFirst().outcome()).toArray(CompletableFuture[]::new);
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
        Properties p = config.kafka().props();
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
        Properties p = config.kafka().outputProducer("sieve-worker-" + config.workerId());
        if (config.transactional()) p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "sieve-worker-" + config.workerId());
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
    }
}
