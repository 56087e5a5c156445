package dev.sieve.sort;

import dev.sieve.kafka.KafkaSettings;
import dev.sieve.metrics.Health;
import dev.sieve.metrics.HealthBounds;
import dev.sieve.metrics.KafkaContact;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running sorter: a Kafka Streams application on {@link BucketTopology}, plus the admin client that makes bucket topics. */
public final class SortApp implements AutoCloseable, Health {
    private static final Logger LOG = LoggerFactory.getLogger(SortApp.class);
    /** Inside Kubernetes' default 30 s grace period, with room for the admin client and the JVM's own exit. */
    public static final int CLOSE_TIMEOUT_S = 20;
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(CLOSE_TIMEOUT_S);

    private final KafkaStreams streams;
    private final BucketRouter router;
    private final BucketTopics topics;

    private final SortMetrics metrics;
    private final CountDownLatch stopped;

    private SortApp(KafkaStreams streams, BucketRouter router, BucketTopics topics, SortMetrics metrics, CountDownLatch stopped) {
        this.streams = streams;
        this.router = router;
        this.topics = topics;
        this.metrics = metrics;
        this.stopped = stopped;
    }

    /**
     * Starts the sorter and returns at once (Kafka Streams runs on its own threads). The input topic must exist; the
     * corrections topic is created when missing; bucket topics are created as their first image arrives.
     *
     * @throws IllegalStateException when the corrections topic's partition count differs from the input's
     */
    public static SortApp start(SortConfig config, KafkaSettings kafka) {
        return start(config, kafka, new CompositeMeterRegistry());
    }

    /** As {@link #start(SortConfig, KafkaSettings)}, with the sorter's meters (see {@link SortMetrics}) in {@code registry}. */
    public static SortApp start(SortConfig config, KafkaSettings kafka, MeterRegistry registry) {
        CorrectionsTopic.ensureCopartitioned(kafka, config.input(), config.corrections(), config.bucketReplication());
        BucketTopics topics = new AdminBucketTopics(kafka, config.bucketPartitions(), config.bucketReplication());
        BucketRouter router = new BucketRouter(config.rules(), topics, registry);
        KafkaStreams streams = new KafkaStreams(BucketTopology.build(config.input(), config.corrections(), router, kafka.schemaRegistry()),
                streamsProperties(config, kafka));
        streams.setUncaughtExceptionHandler(e -> {
            // Failures that reach here are the cluster's (a topic that cannot be created, a fenced producer); a bad
            // record never does. Stopping is clearer than a thread that fails again at the same offset forever.
            LOG.error("sorter stops: {}", e.toString(), e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        CountDownLatch stopped = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.PENDING_ERROR) {
                stopped.countDown();
            }
        });
        SortMetrics metrics = SortMetrics.bind(registry, router, streams);
        streams.start();
        LOG.info("sorter {} started on {} ({}, rules {})", config.applicationId(), config.input(), config.guarantee(), config.rules());
        return new SortApp(streams, router, topics, metrics, stopped);
    }

    /**
     * Kafka Streams settings. Records that are not a ScoredImage are logged and skipped
     * ({@link LogAndContinueExceptionHandler}) and counted in Streams' {@code dropped-records-total}: a poison
     * record must not stop the sorter, and it has no bucket to go to anyway.
     */
    public static Properties streamsProperties(SortConfig config, KafkaSettings kafka) {
        Properties p = kafka.props();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.guarantee().streamsValue());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.threads());
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
        // The sorter has no global state; this only opts in now to what Kafka 5.0 makes the default (and silences its warning).
        p.put("processing.exception.handler.global.enabled", "true");
        p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        config.stateDir().ifPresent(dir -> p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString()));
        return p;
    }

    public KafkaStreams streams() {
        return streams;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Live while Kafka Streams runs or rebalances; a failed or stopped sorter is restarted by its supervisor. */
    @Override
    public boolean live() {
        KafkaStreams.State s = streams.state();
        return s == KafkaStreams.State.CREATED || s == KafkaStreams.State.REBALANCING || s == KafkaStreams.State.RUNNING;
    }

    /** Ready when Kafka Streams has its tasks and is processing, and has heard from the group coordinator lately. */
    @Override
    public boolean ready() {
        return health(HealthBounds.DEFAULT_KAFKA_SILENCE).ready();
    }

    /** As this app's own {@link #live()} and {@link #ready()}, with not ready after {@code kafkaSilence} without a heartbeat. */
    public Health health(Duration kafkaSilence) {
        return new Health() {
            @Override
            public boolean live() {
                return SortApp.this.live();
            }

            @Override
            public boolean ready() {
                // A broker outage can leave Streams RUNNING: the coordinator's silence is what shows it.
                return streams.state() == KafkaStreams.State.RUNNING && KafkaContact.secondsSinceHeartbeat(streams.metrics())
                        .orElse(Double.POSITIVE_INFINITY) <= kafkaSilence.toNanos() / 1e9;
            }
        };
    }

    /** Waits until Kafka Streams stops (closed, or failed) or {@code timeout} passes; true when it has stopped. */
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public SortCounts counts() {
        SortCounts c = router.counts();
        return new SortCounts(c.images(), c.untagged(), c.routed(), c.unroutable(), SortMetrics.droppedRecords(streams));
    }

    /** {@link #close(Duration)} with {@link #CLOSE_TIMEOUT}. */
    @Override
    public void close() {
        close(CLOSE_TIMEOUT);
    }

    /**
     * Stops Kafka Streams, waiting at most {@code timeout}; true when it stopped cleanly. Without a bound a close during
     * a broker outage waits for the producer's delivery timeout or longer (125 s after SIGTERM was seen), past any
     * pod's grace period. Giving up is safe: the broker aborts the open transaction and the next sorter redoes it.
     */
    public boolean close(Duration timeout) {
        boolean clean = streams.close(CloseOptions.timeout(timeout));
        if (!clean) {
            LOG.warn("sorter did not stop within {} s (is the broker out of reach?); exiting anyway, uncommitted work is "
                    + "redone by the next sorter", timeout.toSeconds());
        }
        topics.close();
        metrics.close();
        return clean;
    }
}
