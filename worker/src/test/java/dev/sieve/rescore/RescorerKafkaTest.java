package dev.sieve.rescore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.ScoredImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.EmbeddedKafka;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.kafka.TopicReader;
import dev.sieve.model.CityHead;
import dev.sieve.model.HeadSet;
import dev.sieve.train.KnownCorpus;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** sieve rescore on a real broker: the worker's scores again from the kept embeddings, each record exactly once. */
class RescorerKafkaTest {
    private static final AvroSerde<ScoredImage> SCORED = AvroSerde.of(ScoredImage.class);
    private static final String INPUT_SCORED = "rescore-test.scored-by-worker";
    private static final String EMBEDDINGS = "rescore-test.embeddings";
    private static final String CORRECTIONS = "rescore-test.corrections";
    private static final int IMAGES = 24;
    private static KnownCorpus corpus;

    @BeforeAll
    static void publish() throws Exception {
        corpus = KnownCorpus.score(IMAGES, 2);
        corpus.publish(SharedKafka.bootstrapServers(), INPUT_SCORED, EMBEDDINGS, CORRECTIONS, List.of());
    }

    private static Rescorer.Result rescore(String group, String out, int batch) throws Exception {
        try (CityHead head = CityHead.load(KnownCorpus.fixtureHead(), Device.cpu())) {
            var config = new Rescorer.Config(SharedKafka.bootstrapServers(), EMBEDDINGS, out, group, "test", batch, Duration.ofSeconds(30));
            return new Rescorer(config, new HeadSet(List.of(head), CropCombine.MEAN, Map.of())).run(System.out);
        }
    }

    @Test
    void theSameHeadOnKeptEmbeddingsWritesTheWorkersScoresOnceEach() throws Exception {
        String out = "rescore-test.scored-1";
        EmbeddedKafka.createTopics(SharedKafka.bootstrapServers(), 2, List.of(out));
        Rescorer.Result first = rescore("rescore-test-1", out, 5);
        assertThat(first.rescored()).isEqualTo(IMAGES);
        assertThat(first.transactions()).isGreaterThan(1); // several polls, each its own transaction
        Map<String, ScoredImage> byId = new HashMap<>();
        // The last transaction's commit markers land just after commitTransaction returns: wait until they are read.
        var records = await().atMost(Duration.ofSeconds(30)).until(
                () -> TopicReader.readCommitted(SharedKafka.bootstrapServers(), out, Duration.ofSeconds(30)), r -> r.size() >= IMAGES);
        for (var r : records) byId.put(r.key(), SCORED.decode(r.value()));
        assertThat(records).hasSize(IMAGES);
        assertThat(byId).hasSize(IMAGES);
        for (ScoredImage worker : corpus.scored) {
            ScoredImage again = byId.get(worker.getRef().getId());
            assertThat(again.getHeads()).isEqualTo(worker.getHeads()); // fp32 embeddings: exactly the same probabilities
            assertThat(again.getTags()).isEqualTo(worker.getTags());
            assertThat(again.getRef()).isEqualTo(worker.getRef());
            assertThat(again.getTiled()).isEqualTo(worker.getTiled());
            assertThat(again.getClip()).isEqualTo(worker.getClip());
        }
        // The same group again: everything was committed with its output, so nothing is written twice.
        Rescorer.Result second = rescore("rescore-test-1", out, 5);
        assertThat(second.rescored()).isZero();
        assertThat(TopicReader.readCommitted(SharedKafka.bootstrapServers(), out, Duration.ofSeconds(30))).hasSize(IMAGES);
    }

    @Test
    void skipsWhatIsNotEmbeddingsAndRemovedImages() throws Exception {
        String input = "rescore-test.embeddings-with-junk";
        String out = "rescore-test.scored-2";
        EmbeddedKafka.createTopics(SharedKafka.bootstrapServers(), 1, List.of(input, out));
        var serde = AvroSerde.of(dev.sieve.avro.ImageEmbeddings.class);
        try (var producer = new KafkaProducer<>(KafkaSettings.of(SharedKafka.bootstrapServers()).props(), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(input, "a", serde.encode(corpus.embeddings.get(0))));
            producer.send(new ProducerRecord<>(input, "junk", new byte[] {1, 2, 3}));
            producer.send(new ProducerRecord<>(input, "gone", null));
            var wrongWidth = serde.decode(serde.encode(corpus.embeddings.get(1)));
            wrongWidth.setDimensions(512);
            producer.send(new ProducerRecord<>(input, "narrow", serde.encode(wrongWidth)));
            producer.flush();
        }
        try (CityHead head = CityHead.load(KnownCorpus.fixtureHead(), Device.cpu())) {
            var config = new Rescorer.Config(SharedKafka.bootstrapServers(), input, out, "rescore-test-2", "test", 100, Duration.ofSeconds(30));
            Rescorer.Result r = new Rescorer(config, new HeadSet(List.of(head), CropCombine.MEAN, Map.of())).run(System.out);
            assertThat(r.read()).isEqualTo(4);
            assertThat(r.rescored()).isEqualTo(1);
            assertThat(r.skipped()).isEqualTo(2);
        }
    }
}
