package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sieve.kafka.SharedKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Why ops/ runs workers as a StatefulSet (issue 14, item 4), on the real broker: a worker that dies inside a
 * transaction leaves it open, and read_committed readers (the sorter, `sieve export`) see nothing written after it
 * on that partition until it ends. A replacement with a new name (a Deployment's new pod, hence a new transactional
 * id, "sieve-worker-" + worker id as {@link Worker} makes it) leaves it open until transaction.timeout.ms; one with
 * the dead pod's name (a StatefulSet's) aborts it in initTransactions, at once.
 */
class TransactionalIdReuseTest {
    private static final Duration STUCK_FOR = Duration.ofSeconds(5);

    @Test
    void onlyAReplacementWithTheDeadWorkersIdFreesReadCommittedReadersAtOnce() {
        String topic = "images.scored.txn-id-reuse";
        SharedKafka.broker().createTopics(1, topic);
        KafkaProducer<String, String> dead = producer("sieve-worker-txn-reuse-0");
        try (KafkaProducer<String, String> healthy = producer("sieve-worker-txn-reuse-1");
             KafkaConsumer<String, String> reader = readCommitted(topic)) {
            healthy.initTransactions();
            List<ConsumerRecord<String, String>> seen = new ArrayList<>();
            // The reader is assigned and reading before anything goes wrong, so "sees nothing" below means stuck.
            commit(healthy, topic, "before");
            await().atMost(Duration.ofSeconds(60)).until(() -> !poll(reader, seen).isEmpty());

            dead.initTransactions();
            dead.beginTransaction();
            dead.send(new ProducerRecord<>(topic, "lost", "written by a worker that then died"));
            dead.flush();
            commit(healthy, topic, "after");

            await().during(STUCK_FOR).atMost(STUCK_FOR.plusSeconds(5)).until(() -> poll(reader, seen).size() == 1);

            // A Deployment's replacement: a new pod name, a new transactional id. Nothing is fenced.
            try (KafkaProducer<String, String> renamed = producer("sieve-worker-txn-reuse-7f9c4-x2vbq")) {
                renamed.initTransactions();
                await().during(STUCK_FOR).atMost(STUCK_FOR.plusSeconds(5)).until(() -> poll(reader, seen).size() == 1);
            }

            // A StatefulSet's replacement: the same pod name, the same transactional id.
            try (KafkaProducer<String, String> replacement = producer("sieve-worker-txn-reuse-0")) {
                replacement.initTransactions();
                await().atMost(Duration.ofSeconds(30)).until(() -> poll(reader, seen).size() > 1);
            }
            assertThat(seen).extracting(ConsumerRecord::key).containsExactly("before", "after");
        } finally {
            dead.close(Duration.ZERO); // fenced by now: it can only give up
        }
    }

    private static void commit(KafkaProducer<String, String> producer, String topic, String key) {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(topic, key, "committed by a healthy worker"));
        producer.commitTransaction();
    }

    private static List<ConsumerRecord<String, String>> poll(KafkaConsumer<String, String> reader, List<ConsumerRecord<String, String>> seen) {
        reader.poll(Duration.ofMillis(200)).forEach(seen::add);
        return seen;
    }

    private static KafkaProducer<String, String> producer(String transactionalId) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                // The producer default, as in the worker: how long an abandoned transaction hides what follows it.
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000),
                new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> readCommitted(String topic) {
        KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "txn-id-reuse-reader",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new StringDeserializer());
        c.subscribe(List.of(topic));
        return c;
    }
}
