package dev.sieve.review;

import dev.sieve.kafka.KafkaSettings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.avro.ScoredImage;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.model.HeadRevision;
import dev.sieve.sort.ScoredImages;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** "What moved", read from ScoredImage records of two revisions on the embedded broker. */
class MovedLoaderTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    private static final String V1 = "mv-Triple-v0.9";
    private static final String V2 = "mv-Triple-v0.10";

    private static ScoredImage triple(String id, String head, String revision, double pass, double jpeg, double webp) {
        return ScoredImages.of(id, "file:///" + id + ".png").revision(head, revision, "Pass", pass, "JPEG", jpeg, "WEBP", webp)
                .score("mv-Aesthetic-v0.3", 0.5).revision("mv-Binary-v0.1", "v0.1", "Pass", 0.9, "CA", 0.1).build();
    }

    @Test
    void listsExactlyTheImagesWhoseTopLabelTheNewestRevisionChangedMostConfidentFirst() throws Exception {
        String topic = "images.scored.moved-test";
        SharedKafka.broker().createTopics(2, topic);
        ReviewPageBrowserTest.produce(SharedKafka.bootstrapServers(), topic, List.of(
                triple("same", V1, "v0.9", 0.8, 0.1, 0.1),
                triple("to-jpeg", V1, "v0.9", 0.6, 0.3, 0.1),
                triple("to-webp", V1, "v0.9", 0.5, 0.2, 0.3),
                triple("rescored", V1, "v0.9", 0.2, 0.7, 0.1),   // replaced below by its newer v0.9 record
                triple("rescored", V1, "v0.9", 0.9, 0.05, 0.05),
                triple("only-new", V2, "v0.10", 0.1, 0.1, 0.8),  // not scored by v0.9: nothing to compare
                triple("same", V2, "v0.10", 0.7, 0.2, 0.1),
                triple("to-jpeg", V2, "v0.10", 0.2, 0.7, 0.1),
                triple("to-webp", V2, "v0.10", 0.1, 0.0, 0.9),
                triple("rescored", V2, "v0.10", 0.3, 0.6, 0.1),
                // An older revision read last neither displaces the two newest nor counts.
                triple("to-jpeg", "mv-Triple-v0.2", "v0.2", 0.0, 0.0, 1.0)));

        MovedImages moved = MovedLoader.fromTopic(KafkaSettings.of(SharedKafka.bootstrapServers()), topic, 1000, Duration.ofSeconds(30), QUIET);

        MovedImages.Family triple = moved.family("mv-Triple").orElseThrow();
        assertThat(triple.older()).isEqualTo("v0.9");
        assertThat(triple.newer()).as("v0.10 is newer than v0.9").isEqualTo("v0.10");
        assertThat(triple.head()).isEqualTo(V2);
        assertThat(triple.labels()).containsExactly("Pass", "JPEG", "WEBP");
        assertThat(triple.compared()).isEqualTo(4);
        List<MovedImages.Moved> images = moved.images("mv-Triple", ReviewOrder.CONFIDENT);
        assertThat(images).extracting(m -> m.now().id()).as("new top probability 0.9, 0.7, 0.6").containsExactly("to-webp", "to-jpeg", "rescored");
        MovedImages.Moved first = images.get(0);
        assertThat(first.now().label()).isEqualTo("WEBP");
        assertThat(first.now().revision()).isEqualTo("v0.10");
        assertThat(first.now().probability()).isEqualTo(0.9, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(first.before().label()).isEqualTo("Pass");
        assertThat(first.before().revision()).isEqualTo("v0.9");
        assertThat(images.get(2).before().label()).as("the newest v0.9 record of the id counts").isEqualTo("Pass");
        assertThat(moved.images("mv-Triple", ReviewOrder.BOUNDARY)).extracting(m -> m.now().id())
                .as("smallest margin first: 0.3, 0.5, 0.8").containsExactly("rescored", "to-jpeg", "to-webp");

        MovedImages.Family binary = moved.family("mv-Binary").orElseThrow();
        assertThat(binary.oneRevision()).isTrue();
        assertThat(binary.newer()).isEqualTo("v0.1");
        assertThat(moved.family("mv-Aesthetic-v0.3")).as("score heads have no top label").isEmpty();
        assertThat(moved.family("mv-Aesthetic")).isEmpty();
        assertThat(moved.note()).isEmpty();
        assertThat(moved.find(V2, "to-jpeg")).get().extracting(ReviewImage::label).isEqualTo("JPEG");
    }

    @Test
    void holdsNoMoreThanItsCapAndSaysTheViewIsIncomplete() throws Exception {
        String topic = "images.scored.moved-cap-test";
        SharedKafka.broker().createTopics(1, topic);
        ReviewPageBrowserTest.produce(SharedKafka.bootstrapServers(), topic, List.of(
                triple("a", V1, "v0.9", 0.8, 0.1, 0.1),
                triple("a", V2, "v0.10", 0.1, 0.8, 0.1),
                triple("b", V1, "v0.9", 0.8, 0.1, 0.1),
                triple("b", V2, "v0.10", 0.1, 0.8, 0.1)));

        // 3 pairs: (a, Triple v0.9), (a, Binary v0.1), (a, Triple v0.10); b is left out.
        MovedImages moved = MovedLoader.fromTopic(KafkaSettings.of(SharedKafka.bootstrapServers()), topic, 3, Duration.ofSeconds(30), QUIET);

        assertThat(moved.images("mv-Triple", ReviewOrder.CONFIDENT)).extracting(m -> m.now().id()).containsExactly("a");
        assertThat(moved.note()).contains("incomplete").contains("--moved-max-entries").contains("3");
    }

    @Test
    void revisionsOrderLikeVersionNumbers() {
        assertThat(List.of("v1.16", "v0.10", "", "v0.9", "v1.2", "v1.2a").stream().sorted(HeadRevision.ORDER).toList())
                .containsExactly("", "v0.9", "v0.10", "v1.2", "v1.2a", "v1.16");
    }
}
