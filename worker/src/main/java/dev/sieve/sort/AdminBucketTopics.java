package dev.sieve.sort;

import dev.sieve.kafka.KafkaSettings;
import java.time.Duration;
import dev.sieve.kafka.Topics;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates bucket topics with an Admin client the first time a (head, label) pair shows up, and remembers the
 * ones that exist so the common case costs a set lookup. Bucket topics already on the cluster are read at start,
 * so a name clash with one of them is found too. New ones get {@link Topics#bucket} settings (compacted).
 */
public final class AdminBucketTopics implements BucketTopics {
    private static final Logger LOG = LoggerFactory.getLogger(AdminBucketTopics.class);

    private final Admin admin;
    private final Optional<Integer> partitions;
    private final Optional<Short> replication;
    private final Set<String> known = new HashSet<>();
    /** Collision key (see {@link BucketNames#collisionKey}) to the topic that holds it. */
    private final Map<String, String> byCollisionKey = new HashMap<>();

    /**
     * @param partitions of each new bucket topic; 0 takes the broker's {@code num.partitions}
     * @param replication of each new bucket topic; 0 takes the broker's {@code default.replication.factor}
     */
    public AdminBucketTopics(KafkaSettings kafka, int partitions, short replication) {
        this.admin = Admin.create(kafka.props("sieve-sorter-admin"));
        this.partitions = partitions > 0 ? Optional.of(partitions) : Optional.empty();
        this.replication = replication > 0 ? Optional.of(replication) : Optional.empty();
        try {
            for (String topic : admin.listTopics().names().get()) {
                if (topic.startsWith(BucketNames.PREFIX)) remember(topic);
            }
        } catch (ExecutionException e) {
            admin.close();
            throw new IllegalStateException("cannot list topics on " + kafka.bootstrapServers() + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            admin.close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        }
    }

    @Override
    public synchronized void ensure(Bucket bucket, String topic) {
        if (known.contains(topic)) return;
        String clash = byCollisionKey.get(BucketNames.collisionKey(topic));
        if (clash != null) {
            throw new IllegalArgumentException("bucket " + bucket + " needs topic " + topic + ", which Kafka cannot create next to "
                    + clash + (BucketNames.parse(clash).map(b -> " (bucket " + b + ")").orElse(""))
                    + ": Kafka treats '.' and '_' in topic names as the same character");
        }
        try {
            NewTopic created = new NewTopic(topic, partitions, replication).configs(Topics.bucket(replication.orElse((short) 0)));
            admin.createTopics(List.of(created)).all().get();
            LOG.info("created bucket topic {} for {}", topic, bucket);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create bucket topic " + topic + " for " + bucket + ": " + e.getCause().getMessage(), e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating bucket topic " + topic, e);
        }
        remember(topic);
    }

    private void remember(String topic) {
        known.add(topic);
        byCollisionKey.putIfAbsent(BucketNames.collisionKey(topic), topic);
    }

    @Override
    public void close() {
        // Bounded: a topic creation still pending during a broker outage must not hold up the sorter's exit.
        admin.close(Duration.ofSeconds(5));
    }
}
