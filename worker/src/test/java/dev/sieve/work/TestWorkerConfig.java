package dev.sieve.work;

import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.SchemaRegistry;
import java.util.Map;
import java.util.Optional;

/** The small worker the Kafka tests run: 8 images in flight, batches of 12 crops within 20 ms, commits every 50 ms. */
final class TestWorkerConfig {
    private TestWorkerConfig() {}

    static WorkerConfig of(String bootstrap, String group, String in, String scored, String failed, String workerId,
                           int prepareThreads, WorkerConfig.Delivery delivery) {
        return of(KafkaSettings.of(bootstrap), group, in, scored, failed, workerId, prepareThreads, delivery);
    }

    static WorkerConfig of(KafkaSettings kafka, String group, String in, String scored, String failed, String workerId,
                           int prepareThreads, WorkerConfig.Delivery delivery) {
        return WorkerConfig.of(kafka, WorkerConfig.SETTINGS.defaults().set(WorkerConfig.GROUP, group)
                .set(WorkerConfig.INPUT_TOPIC, in).set(WorkerConfig.SCORED_TOPIC, scored).set(WorkerConfig.FAILED_TOPIC, failed)
                .set(WorkerConfig.WORKER_ID, workerId).set(WorkerConfig.MAX_IN_FLIGHT, 8).set(WorkerConfig.BATCH_CROPS, 12)
                .set(WorkerConfig.BATCH_WAIT_MS, 20L).set(WorkerConfig.PREPARE_THREADS, prepareThreads)
                .set(WorkerConfig.COMMIT_INTERVAL_MS, 50L).set(WorkerConfig.DELIVERY, delivery));
    }

    /** Client settings writing through {@code registry}. */
    static KafkaSettings withRegistry(String bootstrap, String registry) {
        return new KafkaSettings(bootstrap, Map.of(), Optional.of(SchemaRegistry.parse(registry)));
    }
}
