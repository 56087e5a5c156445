package dev.sieve.sort;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.avro.Correction;
import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.Tag;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.Topics;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sorter applies reviewers' corrections: images move between buckets, and removal markers say where they left. */
class BucketCorrectionsTest {
    private static final AvroSerde<ScoredImage> SERDE = AvroSerde.of(ScoredImage.class);
    private static final AvroSerde<Correction> CORRECTION = AvroSerde.of(Correction.class);

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private BucketRouter router;
    private TestInputTopic<String, ScoredImage> scored;
    private TestInputTopic<String, Correction> corrections;

    @BeforeEach
    void start() {
        SortConfig config = SortConfig.of(SortConfig.SETTINGS.defaults().set(SortConfig.APPLICATION_ID, "corrections-test")
                .set(SortConfig.STATE_DIR, stateDir), TagRules.defaults());
        router = new BucketRouter(TagRules.defaults(), BucketTopics.preCreated());
        driver = new TopologyTestDriver(BucketTopology.build(config.input(), config.corrections(), router, java.util.Optional.empty()),
                SortApp.streamsProperties(config, KafkaSettings.of("127.0.0.1:9")));
        scored = driver.createInputTopic(Topics.SCORED, new StringSerializer(), SERDE.serializer());
        corrections = driver.createInputTopic(Topics.CORRECTIONS, new StringSerializer(), CORRECTION.serializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private TestOutputTopic<String, ScoredImage> bucket(String head, String label) {
        return driver.createOutputTopic(BucketNames.topic(head, label), new StringDeserializer(), SERDE.deserializer());
    }

    private static Correction correction(String id, String head, String revision, String from, String to) {
        return new Correction(id, head, revision, from, to, "tester", Instant.ofEpochMilli(1_000));
    }

    private static ScoredImage saysA(String id) {
        return ScoredImages.of(id, "file:/" + id + ".png").classifier("h", "a", 0.8, "b", 0.15, "c", 0.05).build();
    }

    @Test
    void correctionMovesASortedImageAndLeavesARemovalMarker() {
        TestOutputTopic<String, ScoredImage> a = bucket("h", "a");
        TestOutputTopic<String, ScoredImage> b = bucket("h", "b");
        scored.pipeInput("x", saysA("x"));
        assertThat(a.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("x");

        corrections.pipeInput("x", correction("x", "h", "", "a", "b"));

        assertThat(a.readKeyValuesToList()).containsExactly(KeyValue.pair("x", null));
        List<KeyValue<String, ScoredImage>> moved = b.readKeyValuesToList();
        assertThat(moved).extracting(kv -> kv.key).containsExactly("x");
        assertThat(moved.get(0).value.getTags()).containsExactly(new Tag("h", "b"));
        assertThat(router.counts()).isEqualTo(new SortCounts(1, 0, 2, 0, 0, 1, 1));
    }

    @Test
    void rescoreKeepsTheManualLabel() {
        TestOutputTopic<String, ScoredImage> a = bucket("h", "a");
        TestOutputTopic<String, ScoredImage> b = bucket("h", "b");
        scored.pipeInput("x", saysA("x"));
        corrections.pipeInput("x", correction("x", "h", "", "a", "b"));
        a.readKeyValuesToList();
        b.readKeyValuesToList();

        scored.pipeInput("x", saysA("x"));

        assertThat(a.isEmpty()).as("the model still says a, the reviewer said b").isTrue();
        assertThat(b.isEmpty()).as("still in b: neither written twice nor removed").isTrue();
    }

    @Test
    void correctionHoldsForTheNextVersionOfTheHead() {
        TestOutputTopic<String, ScoredImage> v1b = bucket("h-v1", "b");
        TestOutputTopic<String, ScoredImage> v2a = bucket("h-v2", "a");
        TestOutputTopic<String, ScoredImage> v2b = bucket("h-v2", "b");
        scored.pipeInput("x", ScoredImages.of("x", "file:/x.png").revision("h-v1", "v1", "a", 0.9, "b", 0.1).build());
        corrections.pipeInput("x", correction("x", "h-v1", "v1", "a", "b"));
        assertThat(v1b.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("x");

        scored.pipeInput("x", ScoredImages.of("x", "file:/x.png").revision("h-v2", "v2", "a", 0.7, "b", 0.3).build());

        assertThat(v2a.isEmpty()).isTrue();
        assertThat(v2b.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("x");
        assertThat(v1b.readKeyValuesToList()).as("left the old version's bucket").containsExactly(KeyValue.pair("x", null));
    }

    @Test
    void correctionBeforeTheImageIsAppliedWhenItArrives() {
        TestOutputTopic<String, ScoredImage> a = bucket("h", "a");
        TestOutputTopic<String, ScoredImage> c = bucket("h", "c");
        corrections.pipeInput("y", correction("y", "h", "", null, "c"));
        scored.pipeInput("y", saysA("y"));
        assertThat(a.isEmpty()).isTrue();
        assertThat(c.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("y");
    }

    @Test
    void excludeRemovesTheImageFromTheHeadsBucketsOnly() {
        TestOutputTopic<String, ScoredImage> a = bucket("h", "a");
        TestOutputTopic<String, ScoredImage> other = bucket("g", "yes");
        scored.pipeInput("x", ScoredImages.of("x", "file:/x.png").classifier("h", "a", 0.8, "b", 0.2).classifier("g", "yes", 0.6, "no", 0.4).build());
        a.readKeyValuesToList();
        other.readKeyValuesToList();

        corrections.pipeInput("x", correction("x", "h", "", "a", null));

        assertThat(a.readKeyValuesToList()).containsExactly(KeyValue.pair("x", null));
        assertThat(other.isEmpty()).as("still in g/yes, nothing to write").isTrue();
    }

    @Test
    void tombstoneOnCorrectionsGivesTheImageBackToTheRules() {
        TestOutputTopic<String, ScoredImage> a = bucket("h", "a");
        TestOutputTopic<String, ScoredImage> b = bucket("h", "b");
        scored.pipeInput("x", saysA("x"));
        corrections.pipeInput("x", correction("x", "h", "", "a", "b"));
        a.readKeyValuesToList();
        b.readKeyValuesToList();

        corrections.pipeInput("x", (Correction) null);

        assertThat(b.readKeyValuesToList()).containsExactly(KeyValue.pair("x", null));
        assertThat(a.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("x");
    }

    @Test
    void rescoreThatChangesTheTopLabelLeavesTheOldBucket() {
        TestOutputTopic<String, ScoredImage> a = bucket("h", "a");
        TestOutputTopic<String, ScoredImage> b = bucket("h", "b");
        scored.pipeInput("x", saysA("x"));
        a.readKeyValuesToList();
        scored.pipeInput("x", ScoredImages.of("x", "file:/x.png").classifier("h", "a", 0.2, "b", 0.7, "c", 0.1).build());
        assertThat(a.readKeyValuesToList()).containsExactly(KeyValue.pair("x", null));
        assertThat(b.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("x");
    }

    @Test
    void correctionKeyedByAnotherIdIsSkipped() {
        TestOutputTopic<String, ScoredImage> b = bucket("h", "b");
        scored.pipeInput("x", saysA("x"));
        corrections.pipeInput("not-x", correction("x", "h", "", "a", "b"));
        assertThat(b.isEmpty()).isTrue();
    }
}
