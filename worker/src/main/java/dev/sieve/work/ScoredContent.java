package dev.sieve.work;

import dev.sieve.avro.ScoredImage;
import dev.sieve.image.PreparedImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.model.ImageScore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Results already scored, by the content they were scored from ({@code --dedup}): same bytes, one inference.
 *
 * <p>The key is the bytes' sha256 and the worker's model identity (CLIP digest, heads, settings), so a result is
 * reused only for a worker that would compute the same one. Each new result goes, as a side output in the same
 * transaction as its ScoredImage, to a compacted topic keyed that way ({@code images.content}); every worker reads that
 * topic to its end before it starts and follows it afterwards, into a bounded in-memory store (least recently used
 * dropped past {@code maxBytes}). Why a compacted topic and not a database: it is written exactly once with the
 * result (the same transaction), survives restarts, is shared by every worker with nothing new to run, and compaction
 * keeps one record per content.
 *
 * <p>What it promises: a worker runs the model at most once per content it has seen or read (workers that first meet
 * the same bytes at the same moment may each score them: both results are written, neither marked a duplicate); a
 * record it reuses is a committed result, or its own not yet committed one (which its replay writes again).
 */
public final class ScoredContent implements SideOutput, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ScoredContent.class);
    private static final AvroSerde<ScoredImage> SCORED = AvroSerde.of(ScoredImage.class);

    private final KafkaSettings kafka;
    private final String topic;
    private final String identity;
    private final long maxBytes;
    /** Key → encoded ScoredImage, in access order: the least recently used goes first when the store is full. */
    private final LinkedHashMap<String, byte[]> store = new LinkedHashMap<>(1024, 0.75f, true);
    private long storedBytes;
    private volatile KafkaConsumer<String, byte[]> follower;
    private Thread following;
    private volatile boolean closed;

    /**
     * @param identity what makes two workers' results the same: CLIP digest, heads and settings (any text)
     * @param maxBytes the store's bound, in encoded bytes
     */
    public ScoredContent(KafkaSettings kafka, String topic, String identity, long maxBytes) {
        this.kafka = kafka;
        this.topic = topic;
        this.identity = dev.sieve.fetch.Fetched.sha256(identity.getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 16);
        this.maxBytes = maxBytes;
    }

    /** Creates the compacted topic when missing, reads it to its end, then follows it on a thread of its own. */
    public ScoredContent start(Duration timeout) {
        try (Admin admin = Admin.create(kafka.props("sieve-content-admin"))) {
            NewTopic compacted = new NewTopic(topic, java.util.Optional.empty(), java.util.Optional.empty())
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            admin.createTopics(List.of(compacted)).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create the content topic " + topic + ": " + e.getCause(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating " + topic, e);
        }
        Properties p = kafka.props("sieve-content");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        long deadline = System.nanoTime() + timeout.toNanos();
        List<TopicPartition> partitions = List.of();
        // A topic just created (by this worker or another starting with it) may not be in the metadata yet.
        while (partitions.isEmpty() && System.nanoTime() < deadline) {
            partitions = consumer.partitionsFor(topic, timeout).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            if (partitions.isEmpty()) sleepQuietly(200);
        }
        if (partitions.isEmpty()) {
            consumer.close();
            throw new IllegalStateException("the content topic " + topic + " has no partitions after " + timeout.toSeconds() + " s");
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        long read = 0;
        while (partitions.stream().anyMatch(tp -> consumer.position(tp, timeout) < end.get(tp))) {
            if (System.nanoTime() > deadline) {
                consumer.close();
                throw new IllegalStateException("could not read " + topic + " to its end within " + timeout.toSeconds() + " s");
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) read += take(r) ? 1 : 0;
        }
        log.info("content store: {} results from {} ({} bytes)", read, topic, storedBytes());
        follower = consumer;
        following = new Thread(this::follow, "sieve-content-follow");
        following.setDaemon(true);
        following.start();
        return this;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void follow() {
        try {
            while (!closed) {
                for (ConsumerRecord<String, byte[]> r : follower.poll(Duration.ofSeconds(1))) take(r);
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.warn("content store stopped following {}: {} (results already read are still reused)", topic, e.toString());
        } finally {
            follower.close();
        }
    }

    private boolean take(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null || r.value() == null || !r.key().endsWith("/" + identity)) return false;
        put(r.key(), r.value());
        return true;
    }

    /** The result scored earlier from bytes with this sha256 by a worker with the same models, if known. */
    public Optional<ScoredImage> earlier(String sha256) {
        byte[] value;
        synchronized (store) {
            value = store.get(key(sha256));
        }
        if (value == null) return Optional.empty();
        try {
            return Optional.of(SCORED.decode(value));
        } catch (SerializationException e) {
            return Optional.empty();
        }
    }

    /** A new result (not a reuse): kept here, and written to the content topic with the ScoredImage. */
    @Override
    public List<Output> outputs(ScoredImage scored, PreparedImage image, ImageScore score) {
        if (scored.getSha256() == null || scored.getDuplicateOf() != null) return List.of();
        byte[] value = SCORED.encode(scored);
        String key = key(scored.getSha256());
        put(key, value);
        return List.of(new Output(topic, key, value));
    }

    private String key(String sha256) {
        return sha256 + "/" + identity;
    }

    private void put(String key, byte[] value) {
        synchronized (store) {
            byte[] old = store.put(key, value);
            storedBytes += value.length - (old == null ? 0 : old.length);
            var eldest = store.entrySet().iterator();
            while (storedBytes > maxBytes && eldest.hasNext()) {
                storedBytes -= eldest.next().getValue().length;
                eldest.remove();
            }
        }
    }

    long storedBytes() {
        synchronized (store) {
            return storedBytes;
        }
    }

    @Override
    public void close() {
        closed = true;
        KafkaConsumer<String, byte[]> c = follower;
        if (c != null) c.wakeup();
        if (following != null) {
            try {
                following.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
