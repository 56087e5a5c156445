package dev.sieve.review;

import dev.sieve.kafka.KafkaSettings;
import dev.sieve.avro.Correction;
import dev.sieve.kafka.AvroSerde;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Writes each mark to the corrections topic, keyed by image id, and waits for the broker's acknowledgement. */
public final class CorrectionPublisher implements AutoCloseable {
    private final AvroSerde<Correction> serde;
    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final Duration timeout;

    public CorrectionPublisher(KafkaSettings kafka, String topic, Duration timeout) {
        this.serde = kafka.serde(Correction.class);
        Properties p = kafka.props();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "sieve-review");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) timeout.toMillis());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        // A mark is sent alone and at once: no lingering, and Kafka requires delivery >= linger + request timeout.
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        this.topic = topic;
        this.timeout = timeout;
    }

    /** @throws IllegalStateException when Kafka did not take it within the timeout: the page shows the mark as failed */
    public void publish(Correction correction) {
        try {
            // The key is the image id: the corrections topic is co-partitioned with images.scored (see the sorter).
            producer.send(new ProducerRecord<>(topic, correction.getId(), serde.encode(correction))).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka refused the correction: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not acknowledge the correction within " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing the correction", e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
