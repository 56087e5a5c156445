package dev.sieve.status;

import dev.sieve.config.Setting;
import dev.sieve.config.Setting.Accepts;
import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import dev.sieve.kafka.Topics;
import java.time.Duration;

/**
 * What {@code sieve status} looks at; its settings (names, defaults, ranges, docs) are {@link #SETTINGS}.
 *
 * @param group         the workers' consumer group
 * @param inputTopic    the topic the workers consume
 * @param failedTopic   where failed images go
 * @param bucketPrefix  bucket topics are every topic whose name starts with this
 * @param window        throughput is the committed-offset growth over this window (the command waits this long)
 * @param failedSample  the newest records per partition of the failed topic that are read to count codes
 */
public record StatusConfig(String group, String inputTopic, String failedTopic, String bucketPrefix, Duration window,
                           int failedSample) {
    public static final Setting<String> GROUP = Setting.text("group", "sieve-workers").accepts(Accepts.notBlank())
            .doc("The workers' consumer group.");
    public static final Setting<String> INPUT_TOPIC = Setting.text("input-topic", Topics.IN).accepts(Accepts.notBlank())
            .doc("Topic the workers consume.");
    public static final Setting<String> FAILED_TOPIC = Setting.text("failed-topic", Topics.FAILED).accepts(Accepts.notBlank())
            .doc("Topic of failed images.");
    public static final Setting<String> BUCKET_PREFIX = Setting.text("bucket-prefix", Topics.BUCKET_PREFIX)
            .accepts(Accepts.notBlank()).doc("Bucket topics start with this.");
    public static final Setting<Integer> WINDOW_S = Setting.integer("window-s", 5).accepts(Accepts.atLeast(0))
            .doc("Seconds between the two offset snapshots throughput is measured over; 0 = no throughput.");
    public static final Setting<Integer> FAILED_SAMPLE = Setting.integer("failed-sample", 10_000).accepts(Accepts.atLeast(0))
            .doc("Newest records per partition of the failed topic read to count codes.");

    public static final Settings SETTINGS = Settings.of("status", GROUP, INPUT_TOPIC, FAILED_TOPIC, BUCKET_PREFIX,
            WINDOW_S, FAILED_SAMPLE);

    public StatusConfig {
        GROUP.require(group);
        INPUT_TOPIC.require(inputTopic);
        FAILED_TOPIC.require(failedTopic);
        BUCKET_PREFIX.require(bucketPrefix);
        WINDOW_S.require((int) window.toSeconds());
        FAILED_SAMPLE.require(failedSample);
    }

    public static StatusConfig of(Values values) {
        return new StatusConfig(values.get(GROUP), values.get(INPUT_TOPIC), values.get(FAILED_TOPIC),
                values.get(BUCKET_PREFIX), Duration.ofSeconds(values.get(WINDOW_S)), values.get(FAILED_SAMPLE));
    }

    public static StatusConfig defaults() {
        return of(SETTINGS.defaults());
    }
}
