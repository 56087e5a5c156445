package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.FailedImage;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.ImagePreparer;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.Scorer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** Share-group mode on the real broker with the fixture models. */
class ShareWorkerTest {

    @Test
    void aRecordOnItsLastDeliveryGoesToFailedAndTheOthersAreScored() throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String in = "share.in", scored = "share.scored", failed = "share.failed", group = "share-workers";
        SharedKafka.broker().createTopics(1, in, scored, failed);
        try (ImageServer server = new ImageServer(List.of(WorkerEndToEndTest.SAMPLES.resolve("garden-640x480.jpg")), 0);
             GroupOffsets admin = new GroupOffsets(bootstrap);
             KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
            admin.admin().incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(
                    new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET))))
                    .all().get();
            producer.send(new ProducerRecord<>(in, "again",
                    WorkerEndToEndTest.REFS.encode(WorkerEndToEndTest.ref("again", server.base() + "/img/again")))).get();

            // Another member of the group takes "again" and hands it back: its next delivery is its second.
            try (KafkaShareConsumer<String, byte[]> other = new KafkaShareConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.GROUP_ID_CONFIG, group,
                    "share.acknowledgement.mode", "explicit"), new StringDeserializer(), new ByteArrayDeserializer())) {
                other.subscribe(List.of(in));
                List<ConsumerRecord<String, byte[]>> got = new ArrayList<>();
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    other.poll(Duration.ofMillis(200)).forEach(got::add);
                    return !got.isEmpty();
                });
                got.forEach(r -> other.acknowledge(r, AcknowledgeType.RELEASE));
                assertThat(other.commitSync().values()).allSatisfy(error -> assertThat(error).isEmpty());
            }
            for (String id : List.of("fine-1", "fine-2")) {
                producer.send(new ProducerRecord<>(in, id,
                        WorkerEndToEndTest.REFS.encode(WorkerEndToEndTest.ref(id, server.base() + "/img/" + id))));
            }
            producer.send(new ProducerRecord<>(in, "junk", new byte[] {9, 9, 9})).get();

            WorkerConfig config = new WorkerConfig(bootstrap, group, in, scored, failed, "share-worker", 8, 12,
                    Duration.ofMillis(20), 2, Duration.ofMillis(50));
            try (ClipEmbedder clip = ClipEmbedder.load(WorkerEndToEndTest.CLIP, Device.cpu());
                 Scorer scorer = new Scorer(clip, WorkerEndToEndTest.loadHeads(), CropCombine.MEAN);
                 ImageFetcher fetcher = new ImageFetcher(FetchConfig.defaults().withAllowPrivateAddresses(true));
                 ImagePipeline pipeline = new ImagePipeline(config, fetcher,
                         new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true), scorer,
                         Outcomes.clipModel(clip.id(), clip.digest(), clip.preprocessing().size()));
                 ShareWorker worker = new ShareWorker(config, pipeline, 2)) {
                Thread thread = new Thread(worker::run, "share-worker");
                thread.start();
                await().atMost(Duration.ofSeconds(120)).until(() -> worker.stats().scored() + worker.stats().failed() >= 4);
                worker.stop();
                thread.join(30_000);
                assertThat(thread.isAlive()).isFalse();
            }
        }

        List<String> scoredIds = WorkerEndToEndTest.readAll(bootstrap, scored).stream().map(ConsumerRecord::key).toList();
        Map<String, FailedImage> failures = new HashMap<>();
        WorkerEndToEndTest.readAll(bootstrap, failed).forEach(r -> failures.put(r.key(), WorkerEndToEndTest.FAILED.decode(r.value())));
        assertThat(scoredIds).containsExactlyInAnyOrder("fine-1", "fine-2");
        assertThat(failures.keySet()).containsExactlyInAnyOrder("again", "junk");
        FailedImage givenUp = failures.get("again");
        assertThat(givenUp.getCode()).as(givenUp.getMessage()).isEqualTo(FailureCode.DELIVERY_LIMIT);
        assertThat(givenUp.getRef().getUri()).endsWith("/img/again");
        assertThat(failures.get("junk").getStage()).isEqualTo(Stage.INPUT);
        assertThat(failures.get("junk").getCode()).isEqualTo(FailureCode.BAD_REFERENCE);
    }

    @Test
    void anImageSlowerThanThreeLocksIsScoredOnceBecauseItsLockIsRenewed() throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String in = "renew.in", scored = "renew.scored", failed = "renew.failed", group = "renew-workers";
        SharedKafka.broker().createTopics(1, in, scored, failed);
        // The site answers after 7 s; the group's lock is 2 s (the embedded broker allows down to 1 s) and a record
        // is delivered at most twice. Without renewal the lock runs out mid-fetch, the record comes back on the
        // next poll as its second (last) delivery and ends on images.failed as DELIVERY_LIMIT.
        try (ImageServer server = new ImageServer(List.of(WorkerEndToEndTest.SAMPLES.resolve("garden-640x480.jpg")), 7_000);
             GroupOffsets admin = new GroupOffsets(bootstrap);
             KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
            admin.admin().incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(
                    new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET),
                    new AlterConfigOp(new ConfigEntry("share.delivery.count.limit", "2"), AlterConfigOp.OpType.SET),
                    new AlterConfigOp(new ConfigEntry("share.record.lock.duration.ms", "2000"), AlterConfigOp.OpType.SET))))
                    .all().get();
            producer.send(new ProducerRecord<>(in, "slow",
                    WorkerEndToEndTest.REFS.encode(WorkerEndToEndTest.ref("slow", server.base() + "/img/slow")))).get();

            WorkerConfig config = new WorkerConfig(bootstrap, group, in, scored, failed, "renew-worker", 8, 12,
                    Duration.ofMillis(20), 2, Duration.ofMillis(50));
            try (ClipEmbedder clip = ClipEmbedder.load(WorkerEndToEndTest.CLIP, Device.cpu());
                 Scorer scorer = new Scorer(clip, WorkerEndToEndTest.loadHeads(), CropCombine.MEAN);
                 ImageFetcher fetcher = new ImageFetcher(FetchConfig.defaults().withAllowPrivateAddresses(true));
                 ImagePipeline pipeline = new ImagePipeline(config, fetcher,
                         new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true), scorer,
                         Outcomes.clipModel(clip.id(), clip.digest(), clip.preprocessing().size()));
                 ShareWorker worker = new ShareWorker(config, pipeline, 2)) {
                Thread thread = new Thread(worker::run, "renew-worker");
                thread.start();
                await().atMost(Duration.ofSeconds(120)).until(() -> worker.stats().scored() + worker.stats().failed() >= 1);
                // An expired lock brings the record straight back on the next poll: give it more than a lock to show.
                await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(30))
                        .until(() -> worker.stats().polled() == 1);
                worker.stop();
                thread.join(30_000);
                assertThat(thread.isAlive()).isFalse();
                // 7 s at one renewal per second (half the lock): several, and the delivery was only ever the first.
                assertThat(worker.stats().renewals()).isGreaterThanOrEqualTo(3);
                assertThat(worker.stats().maxDeliveryCount()).isEqualTo(1);
            }
        }
        assertThat(WorkerEndToEndTest.readAll(bootstrap, scored).stream().map(ConsumerRecord::key).toList())
                .containsExactly("slow");
        assertThat(WorkerEndToEndTest.readAll(bootstrap, failed)).isEmpty();
    }
}
