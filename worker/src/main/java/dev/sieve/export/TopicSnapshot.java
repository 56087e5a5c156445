package dev.sieve.export;

import dev.sieve.kafka.KafkaClients;
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
 * Reads every record of a set of topics from the beginning up to the end offsets they had when reading started,
 * then stops: a snapshot, not a subscription. Partitions are assigned directly (no consumer group, no committed
 * offsets), and only committed transactions are read, so a sorter in the middle of a transaction is not seen half-way.
 */
public final class TopicSnapshot {
    private final String bootstrap;
    private final Duration stallTimeout;
    private final PrintStream progress;

    public TopicSnapshot(String bootstrap, Duration stallTimeout, PrintStream progress) {
        this.bootstrap = bootstrap;
        this.stallTimeout = stallTimeout;
        this.progress = progress;
    }

    /** @return the number of records handed to {@code sink} */
    public long read(Pattern topics, Consumer<ConsumerRecord<String, byte[]>> sink) {
        Properties p = KafkaClients.props(bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "sieve-export");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (Map.Entry<String, List<PartitionInfo>> topic : consumer.listTopics(stallTimeout).entrySet()) {
                if (!topics.matcher(topic.getKey()).matches()) continue;
                for (PartitionInfo info : topic.getValue()) partitions.add(new TopicPartition(info.topic(), info.partition()));
            }
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, stallTimeout);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, stallTimeout));
            end.entrySet().removeIf(e -> e.getValue() <= begin.get(e.getKey()));
            long expected = 0;
            for (Map.Entry<TopicPartition, Long> e : end.entrySet()) expected += e.getValue() - begin.get(e.getKey());
            long topicCount = partitions.stream().map(TopicPartition::topic).distinct().count();
            progress.printf("reading %d topics matching %s: %d partitions with records, up to %d records%n",
                    topicCount, topics.pattern(), end.size(), expected);
            consumer.assign(end.keySet());
            consumer.seekToBeginning(end.keySet());
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
                            + " from " + bootstrap + " (read " + read + " records so far)");
                }
            }
            progress.printf("  read %d records%n", read);
            return read;
        }
    }
}
