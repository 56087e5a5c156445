package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import dev.sieve.avro.CropCombine;
import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.ImagePreparer;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.Scorer;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * `--delivery at-least-once`: no transactions (so no transaction markers in the output topics), every result
 * written, and the group's offsets committed after them.
 */
class AtLeastOnceWorkerTest {

    @Test
    void writesEveryResultWithoutTransactionsAndCommitsTheOffsetsAfter() throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String in = "alo.in", scored = "alo.scored", failed = "alo.failed", group = "alo-workers";
        SharedKafka.broker().createTopics(2, in, scored, failed);
        List<String> files = List.of("garden-640x480.jpg", "badge-400x400.gif", "sketch-500x700-grey.png", "notes.txt");
        Set<String> ids = new HashSet<>();
        try (KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
            for (int i = 0; i < 12; i++) {
                String id = "alo-" + i;
                String uri = WorkerEndToEndTest.SAMPLES.resolve(files.get(i % files.size())).toUri().toString();
                producer.send(new ProducerRecord<>(in, id, WorkerEndToEndTest.REFS.encode(WorkerEndToEndTest.ref(id, uri))));
                ids.add(id);
            }
        }
        WorkerConfig config = new WorkerConfig(bootstrap, group, in, scored, failed, "alo-worker", 8, 12,
                Duration.ofMillis(20), 1, Duration.ofMillis(50), WorkerConfig.Delivery.AT_LEAST_ONCE);
        try (ClipEmbedder clip = ClipEmbedder.load(WorkerEndToEndTest.CLIP, Device.cpu());
             Scorer scorer = new Scorer(clip, WorkerEndToEndTest.loadHeads(), CropCombine.MEAN);
             ImageFetcher fetcher = new ImageFetcher(FetchConfig.defaults().withFileRoot(WorkerEndToEndTest.SAMPLES));
             ImagePipeline pipeline = new ImagePipeline(config, fetcher,
                     new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true), scorer,
                     Outcomes.clipModel(clip.id(), clip.digest(), clip.preprocessing().size()));
             Worker worker = new Worker(config, pipeline)) {
            Thread thread = new Thread(worker::run, "alo-worker");
            thread.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> worker.stats().scored() + worker.stats().failed() >= ids.size());
            worker.stop();
            thread.join(30_000);
            assertThat(worker.stats().transactions()).isZero();
        }

        Set<String> out = new HashSet<>();
        long records = 0;
        for (String topic : List.of(scored, failed)) {
            for (var r : WorkerEndToEndTest.readAll(bootstrap, topic)) {
                out.add(r.key());
                records++;
            }
        }
        assertThat(out).isEqualTo(ids);
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(p)) {
            // Without transactions the topics hold only records: their end offsets add up to the records read.
            long end = 0;
            for (String topic : List.of(scored, failed)) {
                for (int partition = 0; partition < 2; partition++) {
                    end += admin.listOffsets(Map.of(new TopicPartition(topic, partition), OffsetSpec.latest()))
                            .all().get().values().iterator().next().offset();
                }
            }
            assertThat(end).as("no transaction markers").isEqualTo(records);
            Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(ids.size());
        }
    }
}
