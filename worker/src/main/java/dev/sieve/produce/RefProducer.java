package dev.sieve.produce;

import dev.sieve.avro.ImageRef;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends {@link ImageRef}s to {@code images.in}, keyed by id, with an idempotent producer (acks from all
 * replicas, no duplicates from the producer's own retries). Ids are derived from the URI ({@link RefIds})
 * unless the input gives one, so sending the same inputs twice sends the same ids.
 */
public final class RefProducer implements AutoCloseable {

    private static final int MAX_PROBLEMS = 20;

    private final ProduceConfig config;
    private final Producer<String, ImageRef> producer;

    public RefProducer(ProduceConfig config) {
        this.config = config;
        Properties p = config.kafka().props();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "sieve-produce");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(config.linger().toMillis()));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(config.maxBlock().toMillis()));
        // The producer requires delivery.timeout.ms >= linger.ms + request.timeout.ms (30 s by default).
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(60_000, config.linger().toMillis() + 30_000)));
        this.producer = new KafkaProducer<>(p, new StringSerializer(), config.kafka().serde(ImageRef.class).serializer());
    }

    /** Sends every reference of {@code source} with a fresh producer, silently, and returns how it went. */
    public static ProduceResult produce(ProduceConfig config, RefSource source) throws IOException {
        try (RefProducer producer = new RefProducer(config)) {
            return producer.produce(source, ProduceProgress.silent());
        }
    }

    /**
     * Sends every reference of {@code source}, waits until Kafka has acknowledged (or refused) each, and returns
     * the counts. A reference Kafka refuses is counted, not thrown.
     *
     * @throws IOException           when the source cannot be read
     * @throws IllegalStateException when Kafka or the topic cannot be reached within
     *                               {@link ProduceConfig#maxBlock()}; what was sent before stays sent
     */
    public ProduceResult produce(RefSource source, ProduceProgress progress) throws IOException {
        Run run = new Run(System.nanoTime());
        requireTopic();
        Instant producedAt = Instant.now();
        source.forEach(entry -> {
            if (entry instanceof SourceEntry.Ref ref) {
                send(run, ref, producedAt);
            } else if (entry instanceof SourceEntry.Rejected rejected) {
                run.reject(rejected.origin(), rejected.reason());
            }
            progress.update(run.snapshot(false));
        });
        producer.flush();
        ProduceResult result = run.snapshot(true);
        progress.finish(result);
        return result;
    }

    /**
     * Fails fast when Kafka or the topic is not there. Without this, a send to an unreachable cluster waits
     * max.block.ms and then fails through its callback, not by throwing: every reference would wait in turn.
     */
    private void requireTopic() {
        try {
            producer.partitionsFor(config.topic());
        } catch (KafkaException e) {
            throw new IllegalStateException("cannot send to topic " + config.topic() + " at " + config.bootstrapServers()
                    + " (no answer within " + config.maxBlock().toMillis() + " ms): " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }

    private void send(Run run, SourceEntry.Ref ref, Instant producedAt) {
        String id;
        try {
            String derived = RefIds.fromUri(ref.uri()); // also checks that the URI is one
            id = ref.id() != null ? ref.id() : derived;
        } catch (IllegalArgumentException e) {
            run.reject(ref.origin(), e.getMessage());
            return;
        }
        Map<String, String> attributes = new HashMap<>(ref.attributes());
        attributes.putAll(config.attributes());
        ImageRef value = ImageRef.newBuilder()
                .setId(id)
                .setUri(ref.uri())
                .setSource(config.source() != null ? config.source() : ref.source())
                .setAttributes(attributes)
                .setProducedAt(producedAt)
                .build();
        run.submitted.incrementAndGet();
        try {
            producer.send(new ProducerRecord<>(config.topic(), id, value), (metadata, error) -> {
                if (error == null) {
                    run.sent.incrementAndGet();
                } else {
                    run.failed.incrementAndGet();
                    run.problem(ref.origin() + ": Kafka did not take it: " + error.getMessage());
                }
            });
        } catch (KafkaException e) {
            // Thrown by send itself (no metadata within max.block.ms, a closed producer): every further send
            // would fail the same way.
            throw new IllegalStateException("cannot send to topic " + config.topic() + " at " + config.bootstrapServers()
                    + ": " + e.getMessage(), e);
        }
    }

    /** Counters of one run; the send callbacks update them from the producer's thread. */
    private final class Run {
        final long start;
        final AtomicLong submitted = new AtomicLong();
        final AtomicLong sent = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong rejected = new AtomicLong();
        private final List<String> problems = new ArrayList<>();

        Run(long start) {
            this.start = start;
        }

        void reject(String origin, String reason) {
            rejected.incrementAndGet();
            problem(origin + ": " + reason);
        }

        synchronized void problem(String line) {
            if (problems.size() < MAX_PROBLEMS) problems.add(line);
        }

        /** Progress updates leave the problems out: copying them for every reference would cost for nothing. */
        synchronized ProduceResult snapshot(boolean withProblems) {
            return new ProduceResult(config.topic(), submitted.get(), sent.get(), failed.get(), rejected.get(),
                    Duration.ofNanos(System.nanoTime() - start), withProblems ? problems : List.of());
        }
    }
}
