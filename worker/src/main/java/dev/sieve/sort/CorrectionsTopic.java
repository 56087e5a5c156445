package dev.sieve.sort;

import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.Topics;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The corrections topic must be co-partitioned with the scored topic: both are keyed by image id with the default
 * partitioner, and the sorter's task for partition n keeps the images of partition n, so a correction must land on the
 * same partition number as the image it corrects. Kafka Streams does not check this for two streams that share
 * stores, so the sorter does before it starts.
 */
final class CorrectionsTopic {
    private CorrectionsTopic() {}

    /** Creates {@code corrections} with the input's partition count when missing; fails clearly when the counts differ. */
    static void ensureCopartitioned(KafkaSettings kafka, String input, String corrections, short replication) {
        try (Admin admin = Admin.create(kafka.props("sieve-sorter-admin"))) {
            int inputPartitions = partitions(admin, input).orElseThrow(() ->
                    new IllegalStateException("input topic " + input + " does not exist on " + kafka.bootstrapServers()));
            Optional<Integer> existing = partitions(admin, corrections);
            if (existing.isEmpty()) {
                try {
                    admin.createTopics(List.of(new NewTopic(corrections, Optional.of(inputPartitions),
                            replication > 0 ? Optional.of(replication) : Optional.empty()).configs(Topics.durability(replication))))
                            .all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) throw failure("cannot create " + corrections, e);
                }
                existing = partitions(admin, corrections);
            }
            if (existing.orElse(inputPartitions) != inputPartitions) {
                throw new IllegalStateException("corrections topic " + corrections + " has " + existing.get() + " partitions but "
                        + input + " has " + inputPartitions + ": they must be equal (corrections meet their image by partition);"
                        + " recreate " + corrections + " with " + inputPartitions + " partitions");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking " + corrections, e);
        }
    }

    private static Optional<Integer> partitions(Admin admin, String topic) throws InterruptedException {
        try {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            return Optional.of(d.partitions().size());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) return Optional.empty();
            throw failure("cannot describe " + topic, e);
        }
    }

    private static IllegalStateException failure(String what, ExecutionException e) {
        return new IllegalStateException(what + ": " + e.getCause().getMessage(), e.getCause());
    }
}
