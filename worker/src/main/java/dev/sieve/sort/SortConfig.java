package dev.sieve.sort;

import dev.sieve.kafka.Topics;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Options of the sorter.
 *
 * @param input topic of scored images
 * @param corrections topic of reviewers' corrections (key = image id); created with the input's partition count when
 *        missing, and it must have that count (one image's scored records and corrections meet in one task)
 * @param applicationId Kafka Streams application id: consumer group, transactional ids and internal topic prefix
 * @param rules which buckets an image belongs to
 * @param guarantee exactly-once (default: a bucket never holds a record twice because of a restart) or at-least-once
 * @param bucketPartitions partitions of each bucket topic the sorter creates; 0 = the broker's default
 * @param bucketReplication replication factor of each bucket topic the sorter creates; 0 = the broker's default
 * @param threads Kafka Streams stream threads
 * @param stateDir Kafka Streams' state directory (the latest record and the corrections of every image, see
 *        {@link BucketAssignment}; changelogged, so a lost folder is rebuilt); empty = Streams' default
 */
public record SortConfig(String input, String corrections, String applicationId, TagRules rules, Guarantee guarantee,
                         int bucketPartitions, short bucketReplication, int threads, Optional<Path> stateDir) {

    public enum Guarantee {
        EXACTLY_ONCE_V2("exactly_once_v2"), AT_LEAST_ONCE("at_least_once");

        private final String streamsValue;

        Guarantee(String streamsValue) {
            this.streamsValue = streamsValue;
        }

        /** The value of Kafka Streams' {@code processing.guarantee}. */
        public String streamsValue() {
            return streamsValue;
        }
    }

    public SortConfig {
        Objects.requireNonNull(rules, "rules");
        Objects.requireNonNull(guarantee, "guarantee");
        Objects.requireNonNull(stateDir, "stateDir");
        if (input == null || input.isBlank()) throw new IllegalArgumentException("--input-topic must not be empty");
        if (corrections == null || corrections.isBlank()) throw new IllegalArgumentException("--corrections-topic must not be empty");
        if (corrections.equals(input)) throw new IllegalArgumentException("--corrections-topic must differ from --input-topic " + input);
        if (applicationId == null || !applicationId.matches("[a-zA-Z0-9._-]+")) {
            throw new IllegalArgumentException("--application-id '" + applicationId + "': use letters, digits, '.', '_' and '-' only");
        }
        if (bucketPartitions < 0) throw new IllegalArgumentException("--bucket-partitions " + bucketPartitions + ": must be >= 0 (0 = broker default)");
        if (bucketReplication < 0) throw new IllegalArgumentException("--bucket-replication " + bucketReplication + ": must be >= 0 (0 = broker default)");
        if (threads < 1) throw new IllegalArgumentException("--threads " + threads + ": must be >= 1");
    }

    public static SortConfig defaults() {
        return new SortConfig(Topics.SCORED, Topics.CORRECTIONS, "sieve-sorter", TagRules.defaults(), Guarantee.EXACTLY_ONCE_V2, 0, (short) 0, 1, Optional.empty());
    }

    public SortConfig withRules(TagRules rules) {
        return new SortConfig(input, corrections, applicationId, rules, guarantee, bucketPartitions, bucketReplication, threads, stateDir);
    }

    public SortConfig withApplicationId(String applicationId) {
        return new SortConfig(input, corrections, applicationId, rules, guarantee, bucketPartitions, bucketReplication, threads, stateDir);
    }

    public SortConfig withStateDir(Path stateDir) {
        return new SortConfig(input, corrections, applicationId, rules, guarantee, bucketPartitions, bucketReplication, threads, Optional.of(stateDir));
    }
}
