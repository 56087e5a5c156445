package dev.sieve.work;

import dev.sieve.kafka.KafkaSettings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.avro.ScoredImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.sort.ScoredImages;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The store behind --dedup, without Kafka: what it keeps, what it writes, and its bound. */
class ScoredContentTest {
    private static final AvroSerde<ScoredImage> SCORED = AvroSerde.of(ScoredImage.class);

    @Test
    void aNewResultIsKeptAndWrittenUnderItsBytesAndModelsAndAReuseIsNeither() {
        ScoredContent content = new ScoredContent(KafkaSettings.of("127.0.0.1:1"), "t.content", "clip-a heads-b", 1 << 20);
        ScoredImage first = scored("first", "aa");

        List<Output> written = content.outputs(first, null, null);

        assertThat(written).singleElement().satisfies(o -> {
            assertThat(o.topic()).isEqualTo("t.content");
            assertThat(o.key()).startsWith("aa/").hasSize(3 + 16);
            assertThat(SCORED.decode(o.value())).isEqualTo(first);
        });
        assertThat(content.earlier("aa")).contains(first);
        assertThat(content.earlier("bb")).isEmpty();
        ScoredImage reuse = ScoredImage.newBuilder(scored("second", "cc")).setDuplicateOf("first").build();
        assertThat(content.outputs(reuse, null, null)).isEmpty();
        assertThat(content.earlier("cc")).isEmpty();
        // Another model identity does not see it.
        assertThat(new ScoredContent(KafkaSettings.of("127.0.0.1:1"), "t.content", "clip-a heads-c", 1 << 20).earlier("aa")).isEmpty();
    }

    @Test
    void theLeastRecentlyUsedResultGoesWhenTheStoreIsFull() {
        int size = SCORED.encode(scored("x0", "00")).length;
        ScoredContent content = new ScoredContent(KafkaSettings.of("127.0.0.1:1"), "t.content", "m", 3L * size + size / 2);
        for (int i = 0; i < 3; i++) content.outputs(scored("x" + i, "0" + i), null, null);
        assertThat(content.earlier("00")).as("used: now the most recent").isPresent();

        content.outputs(scored("x3", "03"), null, null);

        assertThat(content.earlier("01")).as("the least recently used").isEmpty();
        assertThat(content.earlier("00")).isPresent();
        assertThat(content.earlier("02")).isPresent();
        assertThat(content.earlier("03")).isPresent();
        assertThat(content.storedBytes()).isLessThanOrEqualTo(3L * size + size / 2);
    }

    private static ScoredImage scored(String id, String sha256) {
        return ScoredImage.newBuilder(ScoredImages.of(id, "https://example.org/" + id + ".jpg")
                .classifier("H", "a", 0.7, "b", 0.3).build()).setSha256(sha256).build();
    }
}
