package dev.sieve.sort;

import dev.sieve.config.Setting;
import dev.sieve.config.Setting.Accepts;
import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import dev.sieve.kafka.Topics;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Options of the sorter; its settings (names, defaults, ranges, docs) are {@link #SETTINGS}.
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

    public static final Setting<String> INPUT_TOPIC = Setting.text("input-topic", Topics.SCORED).accepts(Accepts.notBlank())
            .doc("Topic of scored images.");
    public static final Setting<String> CORRECTIONS_TOPIC = Setting.text("corrections-topic", Topics.CORRECTIONS)
            .accepts(Accepts.notBlank())
            .doc("Topic of reviewers' corrections (`sieve review`); created with the input's partition count when missing.");
    public static final Setting<String> APPLICATION_ID = Setting.text("application-id", "sieve-sorter")
            .accepts(Accepts.matching("[a-zA-Z0-9._-]+", "letters, digits, '.', '_' and '-' only"))
            .doc("Kafka Streams application id (consumer group and transactional id prefix).");
    public static final Setting<Guarantee> PROCESSING_GUARANTEE = Setting.choice("processing-guarantee", Guarantee.EXACTLY_ONCE_V2)
            .doc("EXACTLY_ONCE_V2 (a bucket never holds a record twice after a restart) or AT_LEAST_ONCE.");
    public static final Setting<Integer> BUCKET_PARTITIONS = Setting.integer("bucket-partitions", 0).accepts(Accepts.atLeast(0))
            .doc("Partitions of each bucket topic the sorter creates; 0 = the broker's num.partitions.");
    public static final Setting<Integer> BUCKET_REPLICATION = Setting.integer("bucket-replication", 0)
            .accepts(Accepts.between(0, (int) Short.MAX_VALUE))
            .doc("Replication factor of each bucket topic the sorter creates; 0 = the broker's default.");
    public static final Setting<Integer> THREADS = Setting.integer("threads", 1).accepts(Accepts.atLeast(1))
            .doc("Kafka Streams stream threads.");
    public static final Setting<Path> STATE_DIR = Setting.path("state-dir", null)
            .noDefault("Kafka Streams' default (java.io.tmpdir/kafka-streams)").doc("Kafka Streams state directory.");

    public static final Settings SETTINGS = Settings.of("sort", INPUT_TOPIC, CORRECTIONS_TOPIC, APPLICATION_ID,
            PROCESSING_GUARANTEE, BUCKET_PARTITIONS, BUCKET_REPLICATION, THREADS, STATE_DIR);

    public SortConfig {
        Objects.requireNonNull(rules, "rules");
        Objects.requireNonNull(guarantee, "guarantee");
        Objects.requireNonNull(stateDir, "stateDir");
        INPUT_TOPIC.require(input);
        CORRECTIONS_TOPIC.require(corrections);
        if (corrections.equals(input)) throw new IllegalArgumentException("--corrections-topic must differ from --input-topic " + input);
        APPLICATION_ID.require(applicationId);
        BUCKET_PARTITIONS.require(bucketPartitions);
        BUCKET_REPLICATION.require((int) bucketReplication);
        THREADS.require(threads);
    }

    /** The sorter's settings of {@code values}, tagging with {@code rules}. */
    public static SortConfig of(Values values, TagRules rules) {
        return new SortConfig(values.get(INPUT_TOPIC), values.get(CORRECTIONS_TOPIC), values.get(APPLICATION_ID), rules,
                values.get(PROCESSING_GUARANTEE), values.get(BUCKET_PARTITIONS), values.get(BUCKET_REPLICATION).shortValue(),
                values.get(THREADS), Optional.ofNullable(values.get(STATE_DIR)).filter(p -> !p.toString().isBlank()));
    }

    public static SortConfig defaults() {
        return of(SETTINGS.defaults(), TagRules.defaults());
    }
}
