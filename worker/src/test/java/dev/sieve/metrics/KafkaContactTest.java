package dev.sieve.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sieve.kafka.SharedKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The heartbeat age readiness relies on is there, and fresh, for the two kinds of member a worker can be (a KIP-848
 * consumer group member, a share group member) on the real broker; a client that never reached a coordinator has none.
 */
class KafkaContactTest {
    @Test
    void consumerAndShareMembersReportARecentHeartbeat() {
        String bootstrap = SharedKafka.bootstrapServers();
        SharedKafka.broker().createTopics(1, "contact.in");
        Map<String, Object> group = Map.of("bootstrap.servers", bootstrap, "group.id", "contact-group", "group.protocol", "consumer");
        try (var consumer = new KafkaConsumer<>(group, new StringDeserializer(), new StringDeserializer());
             var share = new KafkaShareConsumer<>(Map.<String, Object>of("bootstrap.servers", bootstrap, "group.id", "contact-share"),
                     new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("contact.in"));
            share.subscribe(List.of("contact.in"));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(100));
                share.poll(Duration.ofMillis(100));
                return KafkaContact.secondsSinceHeartbeat(consumer.metrics()).orElse(1e9) < 10
                        && KafkaContact.secondsSinceHeartbeat(share.metrics()).orElse(1e9) < 10;
            });
        }
    }

    @Test
    void aClientThatNeverReachedItsCoordinatorHasNoRecentHeartbeat() {
        Map<String, Object> nowhere = Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "contact-nowhere",
                "group.protocol", "consumer");
        try (var consumer = new KafkaConsumer<>(nowhere, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("contact.in"));
            consumer.poll(Duration.ofMillis(500));
            assertThat(KafkaContact.secondsSinceHeartbeat(consumer.metrics()).orElse(Double.POSITIVE_INFINITY))
                    .isGreaterThan(HealthBounds.DEFAULT_KAFKA_SILENCE_S);
        }
    }
}
