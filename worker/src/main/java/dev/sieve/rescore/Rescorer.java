package dev.sieve.rescore;

import dev.sieve.StageException;
import dev.sieve.avro.ImageEmbeddings;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.model.EmbeddingsRecord;
import dev.sieve.model.HeadSet;
import dev.sieve.model.ImageEmbeds;
import dev.sieve.model.ImageScore;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code sieve rescore}: {@code images.embeddings} → the heads → {@code images.scored}, no fetch and no CLIP. Reads
 * every partition up to the end offsets it had at the start, and writes each poll's records and the consumed offsets
 * in one transaction, so each embeddings record is rescored exactly once per consumer group: a run that dies resumes
 * where its last transaction ended, and a finished run run again finds nothing left (a new group id starts over).
 * The sorter then moves what changed; corrections still win.
 */
public final class Rescorer {
    private static final AvroSerde<ImageEmbeddings> EMBEDDINGS = AvroSerde.of(ImageEmbeddings.class);
    private static final AvroSerde<dev.sieve.avro.ScoredImage> SCORED = AvroSerde.of(dev.sieve.avro.ScoredImage.class);

    /**
     * @param groupId  where the consumed offsets are committed; the same group resumes, another starts over
     * @param workerId the scored records' worker_id and the transactional id's suffix
     * @param batch    images per poll and transaction
     * @param stall    give up when no partition moves for this long
     */
    public record Config(String bootstrap, String embeddingsTopic, String scoredTopic, String groupId, String workerId,
                         int batch, Duration stall) {
        public Config {
            if (batch < 1 || batch > 100_000) throw new IllegalArgumentException("--batch must be in [1, 100000], got " + batch);
        }
    }

    /**
     * @param read      embeddings records read (tombstones included)
     * @param rescored  scored records written
     * @param skipped   records that are not usable embeddings (the message for each went to the progress stream)
     * @param seconds   from the first poll to the last commit
     */
    public record Result(long read, long rescored, long skipped, long transactions, double seconds) {
        public double imagesPerSecond() {
            return seconds > 0 ? rescored / seconds : 0;
        }
    }

    private final Config config;
    private final HeadSet heads;
    private final int dimensions;

    private final KafkaSettings kafka;

    /** Plain connections to the config's servers (tests); the command passes its client settings. */
    public Rescorer(Config config, HeadSet heads) {
        this(config, heads, KafkaSettings.of(config.bootstrap()));
    }

    public Rescorer(Config config, HeadSet heads, KafkaSettings kafka) {
        this.kafka = kafka;
        this.config = config;
        this.heads = heads;
        this.dimensions = heads.heads().get(0).features();
    }

    public Result run(PrintStream progress) throws StageException {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerProps(), new StringDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps(), new StringSerializer(), new ByteArraySerializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            List<PartitionInfo> infos = consumer.partitionsFor(config.embeddingsTopic(), Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) throw new IllegalStateException("no topic " + config.embeddingsTopic());
            for (PartitionInfo p : infos) partitions.add(new TopicPartition(p.topic(), p.partition()));
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new java.util.HashSet<>(partitions));
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata at = committed.get(tp);
                if (at != null) consumer.seek(tp, at.offset());
                else consumer.seekToBeginning(List.of(tp));
            }
            producer.initTransactions();
            long read = 0, rescored = 0, skipped = 0, transactions = 0;
            long start = System.nanoTime();
            long lastProgress = start;
            while (!done(consumer, partitions, end)) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    if (System.nanoTime() - lastProgress > config.stall().toNanos()) {
                        throw new IllegalStateException("no progress on " + config.embeddingsTopic() + " for " + config.stall()
                                + "; positions " + positions(consumer, partitions) + ", ends " + end);
                    }
                    continue;
                }
                lastProgress = System.nanoTime();
                List<ImageEmbeddings> kept = new ArrayList<>();
                List<ImageEmbeds> embeds = new ArrayList<>();
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (ConsumerRecord<String, byte[]> r : records) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() >= end.get(tp)) continue; // written after the run started: left to the next run
                    offsets.put(tp, new OffsetAndMetadata(r.offset() + 1));
                    read++;
                    if (r.value() == null) continue; // a removed image: nothing to score
                    try {
                        ImageEmbeddings e = EMBEDDINGS.decode(r.value());
                        embeds.add(EmbeddingsRecord.read(e, dimensions));
                        kept.add(e);
                    } catch (SerializationException | IllegalArgumentException bad) {
                        skipped++;
                        progress.printf("skipped %s-%d@%d (key %s): %s%n", r.topic(), r.partition(), r.offset(), r.key(), bad.getMessage());
                    }
                }
                if (offsets.isEmpty()) continue;
                List<ImageScore> scores = heads.score(embeds);
                Instant now = Instant.now();
                producer.beginTransaction();
                for (int i = 0; i < kept.size(); i++) {
                    var scored = RescoredImage.of(kept.get(i), scores.get(i), config.workerId(), now);
                    producer.send(new ProducerRecord<>(config.scoredTopic(), scored.getRef().getId(), SCORED.encode(scored)));
                }
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                producer.commitTransaction();
                transactions++;
                rescored += kept.size();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Result(read, rescored, skipped, transactions, seconds);
        }
    }

    /** True when every partition has been read up to its end offset at the start. */
    private static boolean done(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions, Map<TopicPartition, Long> end) {
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp) < end.get(tp)) return false;
        }
        return true;
    }

    private static Map<TopicPartition, Long> positions(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions) {
        Map<TopicPartition, Long> at = new HashMap<>();
        for (TopicPartition tp : partitions) at.put(tp, consumer.position(tp));
        return at;
    }

    private Properties consumerProps() {
        Properties p = kafka.props();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "sieve-rescore-" + config.workerId());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(config.batch()));
        // A poll of a full batch of five-crop fp32 embeddings is ~19 KB an image: let one fetch carry it.
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(32 * 1024 * 1024));
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(64 * 1024 * 1024));
        return p;
    }

    private Properties producerProps() {
        Properties p = kafka.outputProducer("sieve-rescore-" + config.workerId());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "sieve-rescore-" + config.groupId());
        return p;
    }
}
