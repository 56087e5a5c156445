package dev.sieve.redrive;

import dev.sieve.avro.FailedImage;
import dev.sieve.avro.ImageRef;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.TopicReader;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code sieve redrive}: sends the references of transient failures back to images.in, each with
 * {@link ImageRef#getRedrives()} one higher, until it reaches {@code maxAttempts}.
 *
 * <p>Where a run stopped is a consumer group's committed offsets on images.failed (group {@code sieve-redrive} by
 * default), written in the same transaction as the references it sent: a second run reads only failures that came after
 * the first, and a run that dies half-way sends nothing twice (its open transaction is aborted, and the next run starts
 * from the last committed mark). No member ever joins the group; it only holds the mark.
 */
public final class Redriver {

    /** One transaction at most this many references: a long backlog never makes one huge transaction. */
    static final int CHUNK = 5_000;
    private static final AvroSerde<FailedImage> FAILED = AvroSerde.of(FailedImage.class);
    private static final AvroSerde<ImageRef> REFS = AvroSerde.of(ImageRef.class);

    private final RedriveConfig config;

    /** Plain connections to the config's servers (tests; the command passes its --kafka-config settings). */
    private final KafkaSettings kafka;

    public Redriver(RedriveConfig config) {
        this(config, KafkaSettings.of(config.bootstrapServers()));
    }

    public Redriver(RedriveConfig config, KafkaSettings kafka) {
        this.kafka = kafka;
        this.config = config;
    }

    public RedriveResult run() {
        Map<TopicPartition, Long> from;
        Map<TopicPartition, Long> end;
        try (Admin admin = Admin.create(kafka.props("sieve-redrive-admin"))) {
            List<TopicPartition> partitions = partitions(admin);
            end = offsets(admin, partitions, OffsetSpec.latest());
            from = offsets(admin, partitions, OffsetSpec.earliest());
            Map<TopicPartition, OffsetAndMetadata> marks = admin.listConsumerGroupOffsets(config.group())
                    .partitionsToOffsetAndMetadata().get();
            marks.forEach((tp, mark) -> {
                if (mark != null && from.containsKey(tp)) from.put(tp, Math.max(from.get(tp), mark.offset()));
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the offsets of " + config.failedTopic(), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the offsets of " + config.failedTopic() + " at "
                    + config.bootstrapServers() + ": " + e.getCause().getMessage(), e.getCause());
        }
        Run run = new Run();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.initTransactions();
            producer.beginTransaction();
            TopicReader reader = TopicReader.quiet(kafka, "sieve-redrive", config.stallTimeout());
            reader.read(from, end, record -> {
                run.take(record, producer);
                if (run.inTransaction >= CHUNK) run.commit(producer, Map.of(), false);
            });
            // The end offsets too, for partitions whose last records were transaction markers or aborted.
            run.commit(producer, end, true);
        }
        return run.result();
    }

    private List<TopicPartition> partitions(Admin admin) throws ExecutionException, InterruptedException {
        var description = admin.describeTopics(List.of(config.failedTopic())).allTopicNames().get().get(config.failedTopic());
        return description.partitions().stream().map(p -> new TopicPartition(config.failedTopic(), p.partition())).toList();
    }

    private static Map<TopicPartition, Long> offsets(Admin admin, List<TopicPartition> partitions, OffsetSpec spec)
            throws ExecutionException, InterruptedException {
        var asked = partitions.stream().collect(Collectors.toMap(Function.identity(), tp -> spec));
        var answer = admin.listOffsets(asked, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
        Map<TopicPartition, Long> out = new HashMap<>();
        answer.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties p = kafka.props("sieve-redrive");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "sieve-redrive-" + config.group());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** The counts, and the marks of the records taken since the last commit. */
    private final class Run {
        long read;
        long unreadable;
        int inTransaction;
        final Map<String, Long> sent = new TreeMap<>();
        final Map<String, Long> notTransient = new TreeMap<>();
        final Map<String, Long> exhausted = new TreeMap<>();
        final Map<TopicPartition, OffsetAndMetadata> marks = new HashMap<>();

        void take(ConsumerRecord<String, byte[]> record, KafkaProducer<String, byte[]> producer) {
            read++;
            marks.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
            FailedImage failed;
            try {
                failed = FAILED.decode(record.value());
            } catch (SerializationException e) {
                unreadable++;
                return;
            }
            String code = label(failed);
            if (!config.codes().matches(failed)) {
                notTransient.merge(code, 1L, Long::sum);
            } else if (failed.getRef().getRedrives() >= config.maxAttempts()) {
                exhausted.merge(code, 1L, Long::sum);
            } else {
                ImageRef again = ImageRef.newBuilder(failed.getRef()).setRedrives(failed.getRef().getRedrives() + 1).build();
                producer.send(new ProducerRecord<>(config.inputTopic(), again.getId(), REFS.encode(again)));
                sent.merge(code, 1L, Long::sum);
                inTransaction++;
            }
        }

        /** Commits what was sent with the marks of what was read, and begins the next transaction unless at the end. */
        void commit(KafkaProducer<String, byte[]> producer, Map<TopicPartition, Long> end, boolean last) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(marks);
            end.forEach((tp, offset) -> offsets.merge(tp, new OffsetAndMetadata(offset),
                    (a, b) -> a.offset() >= b.offset() ? a : b));
            if (!offsets.isEmpty()) {
                producer.sendOffsetsToTransaction(offsets, new ConsumerGroupMetadata(config.group()));
            }
            producer.commitTransaction();
            marks.clear();
            inTransaction = 0;
            if (!last) producer.beginTransaction();
        }

        /** The code as counted: HTTP_STATUS with its status, so that 429, 503 and 403 are told apart. */
        private String label(FailedImage failed) {
            Integer status = failed.getHttpStatus();
            return status == null ? failed.getCode().name() : failed.getCode().name() + " " + status;
        }

        RedriveResult result() {
            return new RedriveResult(read, sent, notTransient, exhausted, unreadable);
        }
    }
}
