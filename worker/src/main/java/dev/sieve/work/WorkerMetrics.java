package dev.sieve.work;

import dev.sieve.StageException;
import dev.sieve.avro.StageTimings;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.PixelBudget;
import dev.sieve.metrics.Health;
import dev.sieve.metrics.HealthBounds;
import dev.sieve.metrics.KafkaContact;
import dev.sieve.metrics.MeterNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ShareConsumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;

/**
 * A worker's meters and health. The worker calls a few hooks; everything else (counts of committed images,
 * in-flight) is read from the worker's own counters when Prometheus scrapes, so the hot path stays as it was.
 *
 * <p>Live (see docs/health.md and {@link HealthBounds}): the model loads within its bound; then the poll loop comes
 * round within its bound (plus a Kafka call's own timeout while it waits for the broker in one, as it does through an
 * outage), and no forward pass of the model runs past its bound. Ready: live, the model is loaded, this worker owns
 * input (a partition, or a share subscription) and its consumer has heard from the group coordinator lately.
 */
public final class WorkerMetrics implements Health {
    // Stage latencies span 1 ms (a cached file) to tens of seconds (a slow host): fixed buckets keep series few.
    private static final Duration[] LATENCY_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

    private final MeterRegistry registry;
    private final Counter crops;
    private final DistributionSummary batchCrops;
    private final Timer batchFill;
    private final Timer fetch;
    private final Timer decode;
    private final Timer preprocess;
    private final Timer infer;
    private final Timer total;
    private final AtomicLong inFlightBytes = new AtomicLong();
    private final AtomicLong lag = new AtomicLong();
    private final AtomicInteger assigned = new AtomicInteger();
    private final AtomicLong modelLoadNanos = new AtomicLong();
    private final HealthBounds bounds;
    private final long createdNanos = System.nanoTime();
    private volatile boolean modelLoaded;
    private volatile boolean stopped;
    /** When the poll loop last came round (or the model finished loading, before its first round). */
    private volatile long lastBeatNanos;
    /** Since when the poll loop waits in a Kafka call that times out by itself; 0 when it does not. */
    private volatile long kafkaCallSinceNanos;
    /** Kafka waits the poll loop is in (its own thread only). */
    private int kafkaCallDepth;
    /** Since when the model runs the current forward pass; 0 between passes. */
    private volatile long batchSinceNanos;
    /** The consumer's heartbeat age as last read, and when it was read; none read yet: not ready. */
    private volatile double heartbeatAgeSeconds = Double.POSITIVE_INFINITY;
    private volatile long heartbeatReadNanos;

    public WorkerMetrics(MeterRegistry registry) {
        this(registry, HealthBounds.defaults());
    }

    public WorkerMetrics(MeterRegistry registry, HealthBounds bounds) {
        this.registry = registry;
        this.bounds = bounds;
        // Served at 0 from the start, so that a dashboard or alert on them sees the series before the first reload.
        headReloads("loaded");
        headReloads("failed");
        crops = Counter.builder(MeterNames.WORKER_CROPS).description("Crops through CLIP").register(registry);
        batchCrops = DistributionSummary.builder(MeterNames.WORKER_BATCH_CROPS).description("Crops per CLIP forward pass")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512).register(registry);
        batchFill = Timer.builder(MeterNames.WORKER_BATCH_FILL).description("Time from a batch's first crop to its start")
                .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
        fetch = stageTimer("fetch");
        decode = stageTimer("decode");
        preprocess = stageTimer("preprocess");
        infer = stageTimer("infer");
        total = stageTimer("total");
        Gauge.builder(MeterNames.WORKER_IN_FLIGHT_BYTES, inFlightBytes, AtomicLong::get)
                .description("Fetched bytes of images still being decoded or scored").register(registry);
        Gauge.builder(MeterNames.WORKER_CONSUMER_LAG, lag, AtomicLong::get)
                .description("Records behind on the partitions this worker owns").register(registry);
        Gauge.builder(MeterNames.WORKER_ASSIGNED_PARTITIONS, assigned, AtomicInteger::get)
                .description("Input partitions this worker owns").register(registry);
        TimeGauge.builder(MeterNames.WORKER_MODEL_LOAD, modelLoadNanos, TimeUnit.NANOSECONDS, AtomicLong::get)
                .description("Time to load CLIP and the heads").register(registry);
    }

    /** Meters that go nowhere: for workers run without a metrics endpoint (tests, the demo). */
    public static WorkerMetrics unregistered() {
        return new WorkerMetrics(new CompositeMeterRegistry());
    }

    private Timer stageTimer(String stage) {
        return Timer.builder(MeterNames.WORKER_STAGE).tag("stage", stage).description("Per-image time in one stage")
                .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
    }

    /** A head revision swapped in from the heads folder ({@code loaded}) or refused ({@code failed}). */
    public void headReload(String result) {
        headReloads(result).increment();
    }

    private Counter headReloads(String result) {
        return Counter.builder(MeterNames.WORKER_HEAD_RELOADS).description("New head revisions from the heads folder, loaded or refused")
                .tag("result", result).register(registry);
    }

    /** Called once the model is in memory; until then the worker is not ready. */
    public void modelLoaded(Duration took) {
        modelLoadNanos.set(took.toNanos());
        lastBeatNanos = System.nanoTime();
        modelLoaded = true;
    }

    /** Reads committed counts and in-flight straight from the worker when scraped. */
    void bind(WorkerStats stats, AtomicInteger inFlight) {
        FunctionCounter.builder(MeterNames.WORKER_IMAGES, stats, WorkerStats::scored).tag("outcome", "scored")
                .description("Images committed").register(registry);
        FunctionCounter.builder(MeterNames.WORKER_IMAGES, stats, WorkerStats::failed).tag("outcome", "failed")
                .description("Images committed").register(registry);
        FunctionCounter.builder(MeterNames.WORKER_TRANSACTIONS, stats, WorkerStats::transactions).tag("result", "committed")
                .description("Kafka transactions").register(registry);
        FunctionCounter.builder(MeterNames.WORKER_TRANSACTIONS, stats, WorkerStats::aborted).tag("result", "aborted")
                .description("Kafka transactions").register(registry);
        Gauge.builder(MeterNames.WORKER_IN_FLIGHT, inFlight, AtomicInteger::get)
                .description("Images between poll and commit").register(registry);
    }

    /** Reads both budgets' state when scraped: work that waits for memory shows as waiting fetches or threads. */
    void bind(PixelBudget budget, FetchBudget fetchBudget) {
        Gauge.builder(MeterNames.WORKER_FETCH_BUDGET_WAITING, fetchBudget, FetchBudget::waiting)
                .description("Fetches waiting for the fetch budget (encoded bytes in flight)").register(registry);
        Gauge.builder(MeterNames.WORKER_PIXEL_BUDGET_WAITING, budget, PixelBudget::waiting)
                .description("Prepare threads waiting for the pixel budget (decoded-pixel memory)").register(registry);
        Gauge.builder(MeterNames.WORKER_PIXEL_BUDGET_FREE, budget, PixelBudget::available)
                .description("Pixels of the pixel budget not held by an image being decoded").register(registry);
    }

    /** Counts the images prepared on the host in device mode (a mode the device step lacks), when scraped. */
    void bind(ImagePreparer preparer) {
        FunctionCounter.builder(MeterNames.WORKER_PREPROCESS_FALLBACK, preparer, ImagePreparer::hostFallbacks)
                .description("Images prepared on the host although --preprocess-on device was asked (a mode the"
                        + " device step lacks)").register(registry);
    }

    /**
     * Kafka's own client metrics (request latency, send and fetch rates, records-lag-max), tagged with the clients'
     * ids, for the dashboard's Kafka panels. Close the result with the clients: it stops their refresh.
     */
    AutoCloseable bind(Consumer<?, ?> consumer, Producer<?, ?> producer) {
        KafkaClientMetrics consumerMetrics = new KafkaClientMetrics(consumer);
        KafkaClientMetrics producerMetrics = new KafkaClientMetrics(producer);
        consumerMetrics.bindTo(registry);
        producerMetrics.bindTo(registry);
        return () -> {
            consumerMetrics.close();
            producerMetrics.close();
        };
    }

    /**
     * Once per poll-loop iteration, on the consumer's thread (the consumer is not thread-safe); {@code readLag} asks the consumer for its lag too, which costs a call into the
     * consumer's background thread per partition, so the loop does it about once a second, not every round.
     */
    void tick(Consumer<?, ?> consumer, boolean readLag) {
        beat();
        var partitions = consumer.assignment();
        assigned.set(partitions.size());
        if (!readLag) return;
        heardFromKafka(consumer.metrics());
        long behind = 0;
        for (TopicPartition tp : partitions) behind += consumer.currentLag(tp).orElse(0);
        lag.set(behind);
    }

    /**
     * A share consumer's poll loop came round. Share groups have no partition assignment: a subscribed, polling
     * member is ready, and its lag is the group's backlog, which only the broker knows (see ops/README.md).
     */
    void tickShare(ShareConsumer<?, ?> consumer) {
        beat();
        assigned.set(1);
        heardFromKafka(consumer.metrics());
    }

    /** The poll loop came round. */
    void beat() {
        lastBeatNanos = System.nanoTime();
    }

    private void heardFromKafka(Map<MetricName, ? extends Metric> clientMetrics) {
        heartbeatAgeSeconds = KafkaContact.secondsSinceHeartbeat(clientMetrics).orElse(Double.POSITIVE_INFINITY);
        heartbeatReadNanos = System.nanoTime();
    }

    /**
     * The poll loop is about to wait in Kafka client calls that each end by themselves within
     * {@link HealthBounds#kafkaCall()} (and are retried while the broker is away): a wait for the broker, not a stuck
     * thread. Calls nest (writing results, and a retried commit inside it); each start and each return restarts the
     * clock, so the bound applies to every single call.
     */
    void awaitingKafka() {
        kafkaCallDepth++;
        long now = System.nanoTime();
        lastBeatNanos = now;
        kafkaCallSinceNanos = now;
    }

    /** The Kafka call returned (or threw). */
    void kafkaReturned() {
        long now = System.nanoTime();
        lastBeatNanos = now;
        kafkaCallSinceNanos = --kafkaCallDepth > 0 ? now : 0;
    }

    /** The model starts a forward pass (on the batcher thread). */
    void batchStarted() {
        batchSinceNanos = System.nanoTime();
    }

    void batchEnded() {
        batchSinceNanos = 0;
    }

    /** The poll loop has ended: the worker is neither live nor ready any more. */
    void stopped() {
        stopped = true;
        assigned.set(0);
    }

    void fetched(long bytes) {
        inFlightBytes.addAndGet(bytes);
    }

    void released(long bytes) {
        inFlightBytes.addAndGet(-bytes);
    }

    void batch(int cropCount, long fillNanos) {
        crops.increment(cropCount);
        batchCrops.record(cropCount);
        batchFill.record(fillNanos, TimeUnit.NANOSECONDS);
    }

    void scored(StageTimings t) {
        fetch.record(t.getFetchUs(), TimeUnit.MICROSECONDS);
        decode.record(t.getDecodeUs(), TimeUnit.MICROSECONDS);
        preprocess.record(t.getPreprocessUs(), TimeUnit.MICROSECONDS);
        infer.record(t.getInferUs(), TimeUnit.MICROSECONDS);
        total.record(t.getTotalUs(), TimeUnit.MICROSECONDS);
    }

    /** Counted when decided; an aborted transaction's replay may count an image twice (rare, and visible in transactions). */
    void failed(StageException e) {
        Counter.builder(MeterNames.WORKER_FAILURES).description("Failed images")
                .tag("stage", e.stage().name().toLowerCase(Locale.ROOT))
                .tag("code", e.code().name()).register(registry).increment();
    }

    @Override
    public boolean live() {
        if (stopped) return false;
        long now = System.nanoTime();
        if (!modelLoaded) return now - createdNanos < bounds.modelLoad().toNanos();
        long batchSince = batchSinceNanos;
        if (batchSince != 0 && now - batchSince >= bounds.batchStall().toNanos()) return false;
        long kafkaSince = kafkaCallSinceNanos;
        if (kafkaSince != 0) return now - kafkaSince < bounds.kafkaCall().plus(bounds.loopStall()).toNanos();
        return now - lastBeatNanos < bounds.loopStall().toNanos();
    }

    @Override
    public boolean ready() {
        return modelLoaded && live() && assigned.get() > 0 && kafkaHeardWithin(bounds.kafkaSilence());
    }

    private boolean kafkaHeardWithin(Duration silence) {
        double age = heartbeatAgeSeconds + (System.nanoTime() - heartbeatReadNanos) / 1e9;
        return age <= silence.toNanos() / 1e9;
    }
}
