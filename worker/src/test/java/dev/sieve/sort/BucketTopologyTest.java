package dev.sieve.sort;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.Tag;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.LengthBombs;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BucketTopologyTest {
    private static final AvroSerde<ScoredImage> SERDE = AvroSerde.of(ScoredImage.class);

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver(BucketRouter router) {
        SortConfig config = SortConfig.of(SortConfig.SETTINGS.defaults().set(SortConfig.APPLICATION_ID, "topology-test")
                .set(SortConfig.STATE_DIR, stateDir), TagRules.defaults());
        return new TopologyTestDriver(BucketTopology.build(config.input(), router), SortApp.streamsProperties(config, KafkaSettings.of("127.0.0.1:9")));
    }

    private static TestOutputTopic<String, ScoredImage> bucket(TopologyTestDriver driver, String head, String label) {
        return driver.createOutputTopic(BucketNames.topic(head, label), new StringDeserializer(), SERDE.deserializer());
    }

    private static List<String> keys(TestOutputTopic<String, ScoredImage> topic) {
        return topic.readKeyValuesToList().stream().map(kv -> kv.key).toList();
    }

    @Test
    void anImageScoredTwiceBySameHeadsEntersEachBucketOnce() {
        BucketRouter router = new BucketRouter(TagRules.defaults(), BucketTopics.preCreated());
        try (TopologyTestDriver driver = driver(router)) {
            TestInputTopic<String, ScoredImage> in = driver.createInputTopic("images.scored", new StringSerializer(), SERDE.serializer());
            ScoredImage once = ScoredImages.of("d", "file:/d.png").revision("chroma-v1.2", "v1.2", "Pass", 0.8, "CA", 0.2).build();
            in.pipeInput("d", once);
            in.pipeInput("d", ScoredImages.of("d", "file:/d.png").revision("chroma-v1.2", "v1.2", "Pass", 0.79, "CA", 0.21).build());
            assertThat(keys(bucket(driver, "chroma-v1.2", "Pass"))).as("a redelivery adds nothing").containsExactly("d");

            in.pipeInput("d", ScoredImages.of("d", "file:/d.png").revision("chroma-v1.3", "v1.3", "Pass", 0.9, "CA", 0.1).build());
            assertThat(keys(bucket(driver, "chroma-v1.3", "Pass"))).as("a new revision is a new score").containsExactly("d");
        }
    }

    @Test
    void routesEachImageToEveryBucketWithTheSortersTags() {
        BucketRouter router = new BucketRouter(TagRules.parse(List.of("compression:JPEG=0.3", "compression:WEBP=0.3"), List.of()),
                BucketTopics.preCreated());
        try (TopologyTestDriver driver = driver(router)) {
            TestInputTopic<String, ScoredImage> in = driver.createInputTopic("images.scored", new StringSerializer(), SERDE.serializer());
            in.pipeInput("a", ScoredImages.of("a", "file:/a.png")
                    .classifier("chroma", "Pass", 0.8, "Chromatic Aberration", 0.2)
                    .classifier("compression", "Pass", 0.1, "JPEG", 0.5, "WEBP", 0.4).build());
            in.pipeInput("b", ScoredImages.of("b", "file:/b.png")
                    .classifier("chroma", "Pass", 0.1, "Chromatic Aberration", 0.9)
                    .classifier("compression", "Pass", 0.9, "JPEG", 0.05, "WEBP", 0.05).build());

            List<KeyValue<String, ScoredImage>> jpeg = bucket(driver, "compression", "JPEG").readKeyValuesToList();
            assertThat(jpeg).extracting(kv -> kv.key).containsExactly("a");
            assertThat(jpeg.get(0).value.getTags()).containsExactly(
                    new Tag("chroma", "Pass"), new Tag("compression", "JPEG"), new Tag("compression", "WEBP"));
            assertThat(keys(bucket(driver, "compression", "WEBP"))).containsExactly("a");
            assertThat(keys(bucket(driver, "chroma", "Pass"))).containsExactly("a");
            assertThat(keys(bucket(driver, "chroma", "Chromatic Aberration"))).containsExactly("b");
            assertThat(keys(bucket(driver, "compression", "Pass"))).as("Pass has no threshold").isEmpty();
            assertThat(router.counts()).isEqualTo(new SortCounts(2, 0, 4, 0, 0));
        }
    }

    @Test
    void imagesWithNoTagGoNowhereAndAreCounted() {
        BucketRouter router = new BucketRouter(TagRules.parse(List.of("h:a=0.9"), List.of()), BucketTopics.preCreated());
        try (TopologyTestDriver driver = driver(router)) {
            TestInputTopic<String, ScoredImage> in = driver.createInputTopic("images.scored", new StringSerializer(), SERDE.serializer());
            in.pipeInput("x", ScoredImages.of("x", "file:/x.png").classifier("h", "a", 0.5, "b", 0.5).build());
            in.pipeInput("y", ScoredImages.of("y", "file:/y.png").score("aesthetic", 0.5).build());
            assertThat(driver.producedTopicNames()).doesNotContain(BucketNames.topic("h", "a"), BucketNames.topic("h", "b"));
            assertThat(router.counts()).isEqualTo(new SortCounts(2, 2, 0, 0, 0));
        }
    }

    @Test
    void skipsRecordsThatAreNotScoredImagesAndGoesOn() {
        BucketRouter router = new BucketRouter(TagRules.defaults(), BucketTopics.preCreated());
        try (TopologyTestDriver driver = driver(router)) {
            driver.createInputTopic("images.scored", new StringSerializer(), new ByteArraySerializer())
                    .pipeInput("junk", new byte[] {1, 2, 3});
            driver.createInputTopic("images.scored", new StringSerializer(), SERDE.serializer())
                    .pipeInput("ok", ScoredImages.of("ok", "file:/ok.png").classifier("h", "a", 0.6, "b", 0.4).build());
            assertThat(keys(bucket(driver, "h", "a"))).containsExactly("ok");
            assertThat(router.counts().images()).isEqualTo(1);
            assertThat(driver.metrics().entrySet()).anySatisfy(e -> {
                assertThat(e.getKey().name()).isEqualTo("dropped-records-total");
                assertThat(((Number) e.getValue().metricValue()).doubleValue()).isEqualTo(1.0);
            });
        }
    }

    @Test
    void skipsALengthBombWithoutAllocatingItAndGoesOn() {
        // A ScoredImage header, then a ref id whose length field says 2^31 - 9 bytes: 15 bytes that asked the sorter's
        // deserializer for 2 GiB (an OutOfMemoryError, which no deserialization handler catches) before lengths were
        // checked against the record's size.
        byte[] bomb = LengthBombs.concat(LengthBombs.header(SERDE, ScoredImages.of("x", "file:/x.png").build()),
                LengthBombs.varint(LengthBombs.HUGE));
        BucketRouter router = new BucketRouter(TagRules.defaults(), BucketTopics.preCreated());
        try (TopologyTestDriver driver = driver(router)) {
            driver.createInputTopic("images.scored", new StringSerializer(), new ByteArraySerializer()).pipeInput("bomb", bomb);
            driver.createInputTopic("images.scored", new StringSerializer(), SERDE.serializer())
                    .pipeInput("ok", ScoredImages.of("ok", "file:/ok.png").classifier("h", "a", 0.6, "b", 0.4).build());
            assertThat(keys(bucket(driver, "h", "a"))).containsExactly("ok");
        }
    }

    @Test
    void aLabelTooLongForATopicSkipsThatBucketOnly() {
        BucketRouter router = new BucketRouter(TagRules.parse(List.of("h:*=0.1"), List.of()), BucketTopics.preCreated());
        String longLabel = "x".repeat(300);
        try (TopologyTestDriver driver = driver(router)) {
            driver.createInputTopic("images.scored", new StringSerializer(), SERDE.serializer())
                    .pipeInput("z", ScoredImages.of("z", "file:/z.png").classifier("h", longLabel, 0.5, "ok", 0.5).build());
            assertThat(keys(bucket(driver, "h", "ok"))).containsExactly("z");
            assertThat(router.counts().unroutable()).isEqualTo(1);
        }
    }
}
