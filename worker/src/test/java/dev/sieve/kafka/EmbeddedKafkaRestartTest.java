package dev.sieve.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** A restarted embedded broker comes back on the same address with the records written before it stopped. */
class EmbeddedKafkaRestartTest {

    @Test
    void recordsWrittenBeforeARestartAreReadableAfterItOnTheSameAddress() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            String bootstrap = kafka.bootstrapServers();
            kafka.createTopics(2, "restart.t");
            write(bootstrap, "before-0", "before-1", "before-2");

            kafka.stop();
            kafka.restart();

            assertThat(kafka.bootstrapServers()).isEqualTo(bootstrap);
            write(bootstrap, "after-0");
            assertThat(keys(bootstrap)).containsExactlyInAnyOrder("before-0", "before-1", "before-2", "after-0");
        }
    }

    private static void write(String bootstrap, String... keys) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (String k : keys) producer.send(new ProducerRecord<>("restart.t", k, new byte[] {1})).get();
        }
    }

    private static List<String> keys(String bootstrap) {
        return TopicReader.readCommitted(bootstrap, "restart.t", Duration.ofSeconds(60)).stream()
                .map(ConsumerRecord::key).toList();
    }
}
