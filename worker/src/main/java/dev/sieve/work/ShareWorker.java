package dev.sieve.work;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Share-group mode (KIP-932): workers take records from images.in one by one, as many workers as wanted whatever
 * the partition count. At least once: a record is acknowledged (ACCEPT) only after its output is written and
 * acknowledged by the broker; a worker that dies before that leaves its records to come back, after their
 * acquisition lock runs out, to another worker — so an image can end on images.scored or images.failed more than
 * once, and readers must de-duplicate by id. A live worker renews the locks of the images it still works on, so a
 * slow image stays with it (see {@link #keepLocksUntilDone}). A record delivered {@code deliveryLimit} times (each time a worker
 * took it and died or overran the lock) is not tried again: it goes to images.failed as DELIVERY_LIMIT.
 *
 * <p>The image's path (fetch, prepare, batch, score, the records it writes) is the {@link ImagePipeline} the group
 * loop uses too; this loop owns only the share consumer, the producer and the acknowledgements.
 */
public final class ShareWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ShareWorker.class);

    /** The broker's default acquisition lock, used when the consumer does not report the group's. */
    private static final int DEFAULT_LOCK_MS = 30_000;
    /** The broker allows locks down to 1 s; renewing more often than twice a second gains nothing. */
    private static final long MIN_RENEW_INTERVAL_MS = 500;
    /** How long to wait for the renewed records to come back; they are there at once after commitSync(). */
    private static final long RENEW_POLL_MS = 1_000;

    private final WorkerConfig config;
    private final ImagePipeline pipeline;
    private final WorkerMetrics metrics;
    private final WorkerStats stats = new WorkerStats();
    /** Images polled and not yet written and acknowledged. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int deliveryLimit;
    private volatile boolean running = true;
    private volatile KafkaShareConsumer<String, byte[]> consumer;

    /**
     * @param pipeline      the image's path, which the caller closes after this worker
     * @param deliveryLimit the group's {@code share.delivery.count.limit} (5 unless changed): the delivery with
     *                      this count is the last one the broker makes, so the record is given up then
     */
    public ShareWorker(WorkerConfig config, ImagePipeline pipeline, int deliveryLimit) {
        if (deliveryLimit < 2) throw new IllegalArgumentException("delivery limit must be >= 2, got " + deliveryLimit);
        this.config = config;
        this.pipeline = pipeline;
        this.metrics = pipeline.metrics();
        this.deliveryLimit = deliveryLimit;
        metrics.bind(stats, inFlight);
    }

    public WorkerStats stats() {
        return stats;
    }

    /** Runs until {@link #stop()}: poll, score everything polled, write the outputs, then acknowledge them. */
    public void run() {
        startFromEarliest();
        consumer = new KafkaShareConsumer<>(consumerProps(), new StringDeserializer(), new ByteArrayDeserializer());
        try (KafkaShareConsumer<String, byte[]> c = consumer;
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps(), new StringSerializer(),
                     new ByteArraySerializer())) {
            c.subscribe(List.of(config.inputTopic()));
            log.info("worker {} consuming {} as share group {}", config.workerId(), config.inputTopic(), config.groupId());
            while (running) {
                ConsumerRecords<String, byte[]> records;
                try {
                    records = c.poll(Duration.ofMillis(200));
                } catch (WakeupException e) {
                    continue; // stop() woke us up; the loop condition decides
                }
                if (!records.isEmpty()) process(c, producer, records);
                metrics.tickShare(c);
            }
        } finally {
            metrics.stopped();
        }
    }

    /** Stops after the records in hand are written and acknowledged. Any thread may call it. */
    public void stop() {
        running = false;
        KafkaShareConsumer<String, byte[]> c = consumer;
        if (c != null) c.wakeup();
    }

    private void process(KafkaShareConsumer<String, byte[]> c, KafkaProducer<String, byte[]> producer,
                         ConsumerRecords<String, byte[]> records) {
        // Keyed by partition and offset: a renewed record comes back from poll() as the same delivery, not new work.
        Map<Delivery, InFlight> batch = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> rec : records) batch.put(Delivery.of(rec), start(rec));
        keepLocksUntilDone(c, batch);
        // From here on every call is a Kafka client call that times out by itself: waiting in one is not a stall.
        metrics.awaitingKafka();
        try {
            writeAndAcknowledge(c, producer, batch);
        } finally {
            metrics.kafkaReturned();
            inFlight.set(0);
        }
    }

    private void writeAndAcknowledge(KafkaShareConsumer<String, byte[]> c, KafkaProducer<String, byte[]> producer,
                                     Map<Delivery, InFlight> batch) {
        List<List<Future<RecordMetadata>>> sent = new ArrayList<>();
        for (InFlight f : batch.values()) Worker.send(producer, f.outcome().join(), sent);
        producer.flush();
        int i = 0;
        for (InFlight f : batch.values()) {
            Outcome outcome = f.outcome().join();
            List<Future<RecordMetadata>> sends = sent.get(i++);
            Throwable error = null;
            for (int j = 0; j < sends.size(); j++) {
                error = sendError(sends.get(j));
                if (error == null) continue;
                if (Worker.refusedForItself(error)) {
                    // Released, it would come back and be refused again until the delivery limit, and then its
                    // DELIVERY_LIMIT failure (the same record) too: the broker would archive it with no output at all.
                    // Outputs of the image already written stay (at least once); its failure says which was refused.
                    outcome = pipeline.refused(outcome, outcome.outputs().get(j), error.getMessage());
                    error = sendError(producer.send(outcome.outputs().get(0).record())); // a refusal is one record
                }
                break;
            }
            boolean written = error == null;
            if (written) stats.written(outcome);
            // A record whose renewal the broker refused is no longer ours to acknowledge: it goes to another worker
            // once its lock runs out, and the output just written is a duplicate that readers remove by id.
            if (f.record() == null) continue;
            // RELEASE: not written, so it comes back at once (its delivery count goes up) instead of being lost.
            c.acknowledge(f.record(), written ? AcknowledgeType.ACCEPT : AcknowledgeType.RELEASE);
        }
        Map<TopicIdPartition, Optional<KafkaException>> result = commitSync(c);
        // An acknowledgement the broker refused (the lock had run out) means the record goes to another worker: a
        // duplicate output, which at-least-once allows and readers remove by id.
        result.forEach((tp, error) -> error.ifPresent(e -> log.warn("acknowledgements for {} refused: {}", tp, e.toString())));
    }

    private InFlight start(ConsumerRecord<String, byte[]> rec) {
        stats.polled.incrementAndGet();
        inFlight.incrementAndGet();
        int deliveries = rec.deliveryCount().map(Short::intValue).orElse(1);
        stats.maxDeliveryCount.accumulateAndGet(deliveries, Math::max);
        return new InFlight(rec, deliveries >= deliveryLimit
                ? CompletableFuture.completedFuture(givenUp(rec, deliveries))
                : pipeline.process(rec));
    }

    /**
     * Waits until every image of the batch has its output, renewing the acquisition locks at half their duration
     * meanwhile. Without that an image slower than the lock (a slow site, retries with backoff) is handed to another
     * worker — or to this one on its next poll — and after a few overruns ends on images.failed as DELIVERY_LIMIT
     * although nothing was wrong with it.
     *
     * <p>The client's contract for RENEW (kafka-clients 4.4, explicit acknowledgement mode): a renewed record leaves
     * the client's in-flight set until the broker has answered, then the next poll() returns it again — same
     * delivery, same delivery count — and only then can it be acknowledged again (before that, acknowledge() throws
     * "The record cannot be acknowledged"). While renewals are outstanding poll() returns only the renewed records
     * and fetches nothing new, so polling here does not take on more work. Hence: RENEW everything in hand,
     * commitSync() (which waits for the broker's answer), poll() to take the records back.
     */
    private void keepLocksUntilDone(KafkaShareConsumer<String, byte[]> c, Map<Delivery, InFlight> batch) {
        long renewEveryMs = Math.max(MIN_RENEW_INTERVAL_MS, c.acquisitionLockTimeoutMs().orElse(DEFAULT_LOCK_MS) / 2);
        while (!doneWithin(batch, renewEveryMs)) {
            List<InFlight> held = batch.values().stream().filter(f -> f.record() != null).toList();
            for (InFlight f : held) c.acknowledge(f.record(), AcknowledgeType.RENEW);
            Map<TopicIdPartition, Optional<KafkaException>> result;
            metrics.awaitingKafka();
            try {
                result = commitSync(c);
            } finally {
                metrics.kafkaReturned();
            }
            result.forEach((tp, error) -> error.ifPresent(e -> log.warn(
                    "lock renewal for {} refused ({}); its records go to another worker", tp, e.toString())));
            // Until poll() hands them back, the renewed records cannot be acknowledged: forget the old handles.
            batch.replaceAll((d, f) -> f.withRecord(null));
            for (ConsumerRecord<String, byte[]> rec : pollRenewed(c)) {
                InFlight f = batch.get(Delivery.of(rec));
                // A record that is not ours can only arrive when every renewal was refused and the consumer fetched
                // anew: it is new work, scored with the rest.
                batch.put(Delivery.of(rec), f == null ? start(rec) : f.withRecord(rec));
            }
            stats.renewals.addAndGet(held.size());
        }
    }

    /** Polls for the records just renewed; a stop() arriving meanwhile must not lose them. */
    private static ConsumerRecords<String, byte[]> pollRenewed(KafkaShareConsumer<String, byte[]> c) {
        try {
            return c.poll(Duration.ofMillis(RENEW_POLL_MS));
        } catch (WakeupException e) {
            return c.poll(Duration.ofMillis(RENEW_POLL_MS)); // stop() woke us up; the run loop sees running=false
        }
    }

    private static Map<TopicIdPartition, Optional<KafkaException>> commitSync(KafkaShareConsumer<String, byte[]> c) {
        try {
            return c.commitSync();
        } catch (WakeupException e) {
            return c.commitSync(); // stop() woke us up; the acknowledgements must still go out
        }
    }

    private static boolean doneWithin(Map<Delivery, InFlight> batch, long millis) {
        CompletableFuture<Void> all = CompletableFuture.allOf(
                batch.values().stream().map(InFlight::outcome).toArray(CompletableFuture[]::new));
        try {
            all.get(millis, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true; // cannot happen: the pipeline's futures never fail
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Where a record sits: what identifies one delivery across the poll that renews it. */
    private record Delivery(String topic, int partition, long offset) {
        static Delivery of(ConsumerRecord<?, ?> rec) {
            return new Delivery(rec.topic(), rec.partition(), rec.offset());
        }
    }

    /**
     * One record being worked on: its outcome, and the handle to acknowledge it with — null while a renewal is
     * outstanding, or for good when the broker refused the renewal.
     */
    private record InFlight(ConsumerRecord<String, byte[]> record, CompletableFuture<Outcome> outcome) {
        InFlight withRecord(ConsumerRecord<String, byte[]> rec) {
            return new InFlight(rec, outcome);
        }
    }

    /** Why the output was not written (waiting up to 30 s for the broker's answer), or null when it was. */
    private static Throwable sendError(Future<RecordMetadata> send) {
        try {
            send.get(30, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            log.warn("output not written ({})", cause.toString());
            return cause;
        } catch (TimeoutException e) {
            log.warn("output not written within 30 s; the record is released for another try");
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        }
    }

    private Outcome givenUp(ConsumerRecord<String, byte[]> rec, int deliveries) {
        return pipeline.notProcessed(rec, new StageException(Stage.INPUT, FailureCode.DELIVERY_LIMIT, "delivered "
                + deliveries + " times without an output being written (workers died or overran the lock on it); not "
                + "tried again", deliveries - 1, null));
    }

    /**
     * A new share group starts at the latest offset, so references produced before the first worker started would
     * never be seen; start it at the earliest. Setting it again is harmless. Needs ALTER_CONFIGS on the group.
     */
    private void startFromEarliest() {
        try (Admin admin = Admin.create(config.kafka().props())) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, config.groupId()),
                    List.of(new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"),
                            AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot set share.auto.offset.reset=earliest on share group "
                    + config.groupId() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private Properties consumerProps() {
        Properties p = config.kafka().props();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "sieve-share-worker-" + config.workerId());
        p.put("share.acknowledgement.mode", "explicit");
        // At most maxInFlight records per poll, so several workers share even a single partition.
        p.put("share.acquire.mode", "record_limit");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(config.maxInFlight()));
        return p;
    }

    private Properties producerProps() {
        return config.kafka().outputProducer("sieve-share-worker-" + config.workerId());
    }

    @Override
    public void close() {
        stop();
    }
}
