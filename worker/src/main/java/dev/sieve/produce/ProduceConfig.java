package dev.sieve.produce;

import dev.sieve.config.Setting;
import dev.sieve.config.Setting.Accepts;
import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.Topics;
import java.time.Duration;
import java.util.Map;

/**
 * Where and how {@link RefProducer} sends references; its settings (names, defaults, ranges, docs) are
 * {@link #SETTINGS}.
 *
 * @param kafka            the Kafka client settings (bootstrap servers, client file, schema registry)
 * @param topic            the topic references go to ({@code images.in})
 * @param source           the {@code source} field of every reference; {@code null} takes each input's own
 *                         (the folder's name, or "cli")
 * @param attributes       added to every reference's attributes
 * @param linger           how long the producer waits to fill a batch; a few ms buys large batches
 * @param maxBlock         how long a send may wait for Kafka (metadata, buffer space) before the run stops
 */
public record ProduceConfig(KafkaSettings kafka, String topic, String source, Map<String, String> attributes,
                            Duration linger, Duration maxBlock) {

    public static final Setting<String> TOPIC = Setting.text("topic", Topics.IN)
            .accepts(Accepts.matching("[A-Za-z0-9._-]{1,249}", "a Kafka topic name (letters, digits, '.', '_', '-', at most 249)"))
            .doc("Topic to publish to.");
    public static final Setting<String> SOURCE = Setting.text("source", null).noDefault("the folder's name, or 'cli'")
            .doc("The source field of every reference.");
    public static final Setting<Long> LINGER_MS = Setting.longValue("linger-ms", 5).accepts(Accepts.atLeast(0L)).notAnOption()
            .doc("How long the producer waits to fill a batch; a few ms buys large batches.");
    public static final Setting<Long> KAFKA_TIMEOUT_MS = Setting.longValue("kafka-timeout-ms", 30_000)
            .accepts(Accepts.atLeast(1L)).paramLabel("MS")
            .doc("How long a send may wait for Kafka (metadata, buffer space) before the run stops with exit code 3.");

    public static final Settings SETTINGS = Settings.of("produce", TOPIC, SOURCE, LINGER_MS, KAFKA_TIMEOUT_MS);

    public ProduceConfig {
        if (kafka == null) throw new IllegalArgumentException("Invalid option for bootstrapServers: none given");
        TOPIC.require(topic);
        if (source != null && source.isBlank()) source = null;
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        for (String key : attributes.keySet()) {
            if (key.isBlank()) throw new IllegalArgumentException("Invalid option for attributes: an empty key");
        }
        LINGER_MS.require(linger.toMillis());
        KAFKA_TIMEOUT_MS.require(maxBlock.toMillis());
    }

    /** The producer's settings of {@code values}, adding {@code attributes} to every reference. */
    public static ProduceConfig of(KafkaSettings kafka, Values values, Map<String, String> attributes) {
        return new ProduceConfig(kafka, values.get(TOPIC), values.get(SOURCE), attributes,
                Duration.ofMillis(values.get(LINGER_MS)), Duration.ofMillis(values.get(KAFKA_TIMEOUT_MS)));
    }

    /** images.in on a plain broker, source from the input, no attributes, linger 5 ms, 30 s to reach Kafka. */
    public static ProduceConfig defaults(String bootstrapServers) {
        return of(KafkaSettings.of(bootstrapServers), SETTINGS.defaults(), Map.of());
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }
}
