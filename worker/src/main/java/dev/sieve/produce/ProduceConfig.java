package dev.sieve.produce;

import dev.sieve.kafka.Topics;
import java.time.Duration;
import java.util.Map;

/**
 * Where and how {@link RefProducer} sends references.
 *
 * @param bootstrapServers Kafka bootstrap servers, {@code host:port[,host:port...]}
 * @param topic            the topic references go to ({@code images.in})
 * @param source           the {@code source} field of every reference; {@code null} takes each input's own
 *                         (the folder's name, or "cli")
 * @param attributes       added to every reference's attributes
 * @param linger           how long the producer waits to fill a batch; a few ms buys large batches
 * @param maxBlock         how long a send may wait for Kafka (metadata, buffer space) before the run stops
 */
public record ProduceConfig(String bootstrapServers, String topic, String source, Map<String, String> attributes,
                            Duration linger, Duration maxBlock) {

    public ProduceConfig {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("Invalid option for bootstrapServers: '" + bootstrapServers + "' (must not be empty)");
        }
        if (topic == null || !topic.matches("[A-Za-z0-9._-]{1,249}")) {
            throw new IllegalArgumentException("Invalid option for topic: '" + topic
                    + "' (a Kafka topic name: letters, digits, '.', '_', '-', at most 249)");
        }
        if (source != null && source.isBlank()) source = null;
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        for (String key : attributes.keySet()) {
            if (key.isBlank()) throw new IllegalArgumentException("Invalid option for attributes: an empty key");
        }
        if (linger == null || linger.isNegative()) {
            throw new IllegalArgumentException("Invalid option for linger: " + linger + " (must be zero or positive)");
        }
        if (maxBlock == null || maxBlock.isZero() || maxBlock.isNegative()) {
            throw new IllegalArgumentException("Invalid option for maxBlock: " + maxBlock + " (must be positive)");
        }
    }

    /** localhost:9092, images.in, source from the input, no attributes, linger 5 ms, 30 s to reach Kafka. */
    public static ProduceConfig defaults() {
        return new ProduceConfig("localhost:9092", Topics.IN, null, Map.of(), Duration.ofMillis(5), Duration.ofSeconds(30));
    }

    public ProduceConfig withBootstrapServers(String bootstrapServers) {
        return new ProduceConfig(bootstrapServers, topic, source, attributes, linger, maxBlock);
    }

    public ProduceConfig withTopic(String topic) {
        return new ProduceConfig(bootstrapServers, topic, source, attributes, linger, maxBlock);
    }

    public ProduceConfig withSource(String source) {
        return new ProduceConfig(bootstrapServers, topic, source, attributes, linger, maxBlock);
    }

    public ProduceConfig withAttributes(Map<String, String> attributes) {
        return new ProduceConfig(bootstrapServers, topic, source, attributes, linger, maxBlock);
    }

    public ProduceConfig withMaxBlock(Duration maxBlock) {
        return new ProduceConfig(bootstrapServers, topic, source, attributes, linger, maxBlock);
    }
}
