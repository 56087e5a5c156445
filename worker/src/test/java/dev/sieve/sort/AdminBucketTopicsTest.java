package dev.sieve.sort;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.kafka.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/** The topic settings the sorter gives the bucket topics it creates, read back from a real broker. */
class AdminBucketTopicsTest {

    @Test
    void createsBucketTopicsCompactedSoABucketKeepsTheLatestRecordOfEachImage() throws Exception {
        Bucket bucket = new Bucket("cfg-head", "Keep");
        try (AdminBucketTopics topics = new AdminBucketTopics(KafkaSettings.of(SharedKafka.bootstrapServers()), 1, (short) 1)) {
            topics.ensure(bucket, bucket.topic());
        }
        Config config = describe(bucket.topic());
        // Broker defaults delete a bucket's history after 7 days; a bucket is "the latest record per image id", and
        // the sorter's removal markers are tombstones, so compaction keeps exactly the bucket (ops/CAPACITY.md).
        assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        // One replica: min.insync.replicas is left at the broker's default, or acks=all writes could never succeed.
        assertThat(config.get("min.insync.replicas").value()).isEqualTo("1");
    }

    @Test
    void bucketTopicsReplicatedThreeTimesNeedTwoInSyncReplicasLikeTheTopicsTheJobCreates() {
        assertThat(Topics.bucket((short) 3)).containsEntry("min.insync.replicas", "2").containsEntry("cleanup.policy", "compact");
        assertThat(Topics.bucket((short) 2)).doesNotContainKey("min.insync.replicas");
        assertThat(Topics.bucket((short) 0)).containsOnlyKeys("cleanup.policy");
    }

    private static Config describe(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", SharedKafka.bootstrapServers()))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            return admin.describeConfigs(List.of(resource)).all().get(30, java.util.concurrent.TimeUnit.SECONDS).get(resource);
        }
    }
}
