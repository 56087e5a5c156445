package dev.sieve.status;

import dev.sieve.kafka.KafkaSettings;
import dev.sieve.avro.FailedImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.TopicReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.SerializationException;

/** Reads {@link ClusterStatus} from Kafka with an admin client (offsets, group) and a group-less consumer (failures). */
public final class StatusReader implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final KafkaSettings kafka;
    private final AvroSerde<FailedImage> failed;
    private final StatusConfig config;
    private final Admin admin;

    public StatusReader(KafkaSettings kafka, StatusConfig config) {
        this.kafka = kafka;
        this.failed = kafka.serde(FailedImage.class);
        this.config = config;
        Properties p = kafka.props();
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        this.admin = Admin.create(p);
    }

    /** Two offset snapshots {@code window} apart, the group, failures and buckets. Takes about {@code window}. */
    public ClusterStatus read() throws InterruptedException {
        GroupOffsets first = offsets();
        if (!config.window().isZero()) Thread.sleep(config.window().toMillis()); // the window is what the user asked to wait
        GroupOffsets second = offsets();
        return status(first, second);
    }

    /** The status from two snapshots the caller took (so a test can decide what happens between them). */
    public ClusterStatus status(GroupOffsets first, GroupOffsets second) {
        Map<TopicPartition, String> owners = new HashMap<>();
        int members = 0;
        ConsumerGroupDescription group = group();
        if (group != null) {
            members = group.members().size();
            for (MemberDescription m : group.members()) {
                for (TopicPartition tp : m.assignment().topicPartitions()) owners.put(tp, m.clientId());
            }
        }
        List<ClusterStatus.PartitionLag> partitions = new ArrayList<>();
        for (TopicPartition tp : second.end().keySet().stream().sorted((a, b) -> Integer.compare(a.partition(), b.partition())).toList()) {
            long end = second.end().get(tp);
            long committed = second.committed().getOrDefault(tp, -1L);
            partitions.add(new ClusterStatus.PartitionLag(tp.partition(), committed, end,
                    Math.max(0, end - second.committedOrStart(tp)), owners.getOrDefault(tp, "-")));
        }
        Duration window = Duration.ofNanos(second.nanoTime() - first.nanoTime());
        var throughput = new ClusterStatus.Throughput(window, second.consumedSince(first), second.producedSince(first));
        return new ClusterStatus(config.group(), members, partitions, throughput, failures(), buckets());
    }

    /** The group's committed offsets and the input topic's start and end offsets, now. */
    public GroupOffsets offsets() {
        List<TopicPartition> parts = partitions(config.inputTopic());
        Map<TopicPartition, Long> committed = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> c = get(admin.listConsumerGroupOffsets(config.group()).partitionsToOffsetAndMetadata());
        for (TopicPartition tp : parts) {
            OffsetAndMetadata o = c.get(tp);
            committed.put(tp, o == null ? -1L : o.offset());
        }
        return new GroupOffsets(System.nanoTime(), committed, listOffsets(parts, OffsetSpec.earliest()),
                listOffsets(parts, OffsetSpec.latest()));
    }

    private ConsumerGroupDescription group() {
        try {
            return get(admin.describeConsumerGroups(List.of(config.group())).describedGroups().get(config.group()));
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) return null;
            throw e;
        }
    }

    /** Bucket topic → records (end − start offsets, summed over partitions). */
    SortedMap<String, Long> buckets() {
        SortedMap<String, Long> sizes = new TreeMap<>();
        List<String> topics = get(admin.listTopics().names()).stream().filter(t -> t.startsWith(config.bucketPrefix())).sorted().toList();
        for (String topic : topics) sizes.put(topic, size(partitions(topic)));
        return sizes;
    }

    ClusterStatus.Failures failures() {
        if (!get(admin.listTopics().names()).contains(config.failedTopic())) {
            return new ClusterStatus.Failures(0, 0, new TreeMap<>());
        }
        List<TopicPartition> parts = partitions(config.failedTopic());
        Map<TopicPartition, Long> start = listOffsets(parts, OffsetSpec.earliest());
        Map<TopicPartition, Long> end = listOffsets(parts, OffsetSpec.latest());
        long total = 0;
        for (TopicPartition tp : parts) total += end.get(tp) - start.get(tp);
        SortedMap<String, Long> byCode = new TreeMap<>();
        long sampled = 0;
        if (config.failedSample() > 0 && total > 0) {
            Map<TopicPartition, Long> from = new HashMap<>();
            for (TopicPartition tp : parts) from.put(tp, Math.max(start.get(tp), end.get(tp) - config.failedSample()));
            sampled = TopicReader.quiet(kafka, "sieve-status", TIMEOUT)
                    .read(from, end, r -> byCode.merge(code(r.value()), 1L, Long::sum));
        }
        return new ClusterStatus.Failures(total, sampled, byCode);
    }

    private String code(byte[] value) {
        try {
            FailedImage f = failed.decode(value);
            return f.getStage().name().toLowerCase(java.util.Locale.ROOT) + "/" + f.getCode().name();
        } catch (SerializationException | NullPointerException e) {
            return "unreadable";
        }
    }

    private long size(List<TopicPartition> parts) {
        Map<TopicPartition, Long> start = listOffsets(parts, OffsetSpec.earliest());
        Map<TopicPartition, Long> end = listOffsets(parts, OffsetSpec.latest());
        long n = 0;
        for (TopicPartition tp : parts) n += end.get(tp) - start.get(tp);
        return n;
    }

    private List<TopicPartition> partitions(String topic) {
        var description = get(admin.describeTopics(List.of(topic)).topicNameValues().get(topic));
        return description.partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    private Map<TopicPartition, Long> listOffsets(List<TopicPartition> parts, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (TopicPartition tp : parts) request.put(tp, spec);
        // read_committed: the end is the last stable offset, what the workers (read_committed) can reach.
        var result = get(admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all());
        Map<TopicPartition, Long> offsets = new HashMap<>();
        result.forEach((tp, info) -> offsets.put(tp, info.offset()));
        return offsets;
    }

    private static <T> T get(KafkaFuture<T> future) {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer within " + TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
