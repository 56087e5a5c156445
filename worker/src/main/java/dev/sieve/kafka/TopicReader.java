package dev.sieve.kafka;

import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads topics up to the end offsets they had when reading started, then stops: a snapshot, not a subscription.
 * Partitions are assigned directly (no consumer group, no committed offsets), and only committed transactions are
 * read, so a sorter in the middle of a transaction is not seen half-way. Export, review, status and the tests all
 * read topics to their end through this one class.
 */
public final class TopicReader {
    private final KafkaSettings kafka;
    private final String clientId;
    private final Duration stallTimeout;
    private final PrintStream progress;

    /**
     * @param stallTimeout how long reading may go without a record or a finished partition before it gives up
     * @param progress     where the counts go (a silent stream for callers that have no console)
     */
    public TopicReader(KafkaSettings kafka, String clientId, Duration stallTimeout, PrintStream progress) {
        this.kafka = kafka;
        this.clientId = clientId;
        this.stallTimeout = stallTimeout;
        this.progress = progress;
    }

    /** A reader that prints nothing. */
    public static TopicReader quiet(KafkaSettings kafka, String clientId, Duration stallTimeout) {
        return new TopicReader(kafka, clientId, stallTimeout, new PrintStream(OutputStream.nullOutputStream()));
    }

    /** Every committed record of {@code topic} on a plain broker (tests, the demo), from its beginning to its end as of now (an absent topic has none). */
    public static List<ConsumerRecord<String, byte[]>> readCommitted(String bootstrap, String topic, Duration max) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        quiet(KafkaSettings.of(bootstrap), "sieve-topic-reader", max).read(Pattern.compile(Pattern.quote(topic)), out::add);
        return out;
    }

    /** Every record of the topics matching {@code topics}, from their beginning. @return the number handed to {@code sink} */
    public long read(Pattern topics, Consumer<ConsumerRecord<String, byte[]>> sink) {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (Map.Entry<String, List<PartitionInfo>> topic : consumer.listTopics(stallTimeout).entrySet()) {
                if (!topics.matcher(topic.getKey()).matches()) continue;
                for (PartitionInfo info : topic.getValue()) partitions.add(new TopicPartition(info.topic(), info.partition()));
            }
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, stallTimeout);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, stallTimeout);
            long topicCount = partitions.stream().map(TopicPartition::topic).distinct().count();
            return read(consumer, begin, end, sink, expected -> progress.printf(
                    "reading %d topics matching %s: %d partitions with records, up to %d records%n",
                    topicCount, topics.pattern(), expected.partitions(), expected.records()));
        }
    }

    /**
     * The records from {@code from} up to {@code end} of each partition (offsets the caller looked up, for instance the
     * last few records before the end). @return the number handed to {@code sink}
     */
    public long read(Map<TopicPartition, Long> from, Map<TopicPartition, Long> end, Consumer<ConsumerRecord<String, byte[]>> sink) {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            return read(consumer, from, end, sink, expected -> {});
        }
    }

    private record Expected(int partitions, long records) {}

    private long read(KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> from, Map<TopicPartition, Long> until,
                      Consumer<ConsumerRecord<String, byte[]>> sink, Consumer<Expected> announce) {
        // For a read_committed consumer the end is the last stable offset: nothing undecided is waited for.
        Map<TopicPartition, Long> end = new HashMap<>(until);
        end.entrySet().removeIf(e -> e.getValue() <= from.get(e.getKey()));
        long expected = 0;
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) expected += e.getValue() - from.get(e.getKey());
        announce.accept(new Expected(end.size(), expected));
        consumer.assign(end.keySet());
        for (TopicPartition tp : end.keySet()) consumer.seek(tp, from.get(tp));
        long read = 0;
        long lastReport = System.nanoTime();
        long lastProgress = System.nanoTime();
        while (!end.isEmpty()) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                Long stop = end.get(tp);
                if (stop == null || record.offset() >= stop) continue;
                sink.accept(record);
                read++;
                lastProgress = System.nanoTime();
            }
            // Positions move past transaction markers and aborted records too, so they, not record counts, say when a partition is done.
            for (TopicPartition tp : List.copyOf(end.keySet())) {
                if (consumer.position(tp) >= end.get(tp)) {
                    end.remove(tp);
                    consumer.pause(List.of(tp));
                    lastProgress = System.nanoTime();
                }
            }
            if (System.nanoTime() - lastReport > 1_000_000_000L) {
                progress.printf("  read %d of up to %d records%n", read, expected);
                lastReport = System.nanoTime();
            }
            if (System.nanoTime() - lastProgress > stallTimeout.toNanos()) {
                throw new IllegalStateException("no progress for " + stallTimeout.toSeconds() + " s reading " + end.keySet()
                        + " from " + kafka.bootstrapServers() + " (read " + read + " records so far)");
            }
        }
        progress.printf("  read %d records%n", read);
        return read;
    }

    private KafkaConsumer<String, byte[]> consumer() {
        Properties p = kafka.props();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
