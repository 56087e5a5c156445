package dev.sieve.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.avro.ImageRef;
import dev.sieve.fuzz.SeededFuzzing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * Fuzz target: the bytes of an {@code images.in} value, decoded as the worker decodes them. The property: an
 * {@link ImageRef} or a {@link SerializationException} (which the worker records as BAD_REFERENCE), nothing else; at
 * most 1 MiB plus 64 bytes per input byte allocated (Avro allocates a string, bytes or map as long as its length
 * field says, so a 15-byte value asking for 2 GiB breaks this); an answer within 10 s.
 *
 * <p>{@code mvn verify} runs 20,000 seeded mutations; {@code scripts/bench fuzz} runs {@link #fuzzerTestOneInput}
 * under Jazzer, coverage-guided, for minutes.
 */
public class ImageRefDecodingFuzzTest {
    private static final AvroSerde<ImageRef> REFS = AvroSerde.of(ImageRef.class);
    public static final SeededFuzzing.Limits LIMITS = new SeededFuzzing.Limits(4096, Duration.ofSeconds(10), n -> (1 << 20) + 64L * n);

    /** Jazzer runs this once before fuzzing: classes load (and are instrumented) here, not in the first timed input. */
    public static void fuzzerInitialize() {
        seeds().forEach(ImageRefDecodingFuzzTest::decode);
    }

    /** Jazzer's entry point. */
    public static void fuzzerTestOneInput(byte[] value) {
        decode(value);
    }

    /** The corpus: single-object encodings of references a scraper could send (what {@code scripts/bench fuzz} starts from). */
    public static List<byte[]> seeds() {
        List<byte[]> seeds = new ArrayList<>();
        seeds.add(REFS.encode(ImageRef.newBuilder().setId("a").setUri("https://images.example/a.png").build()));
        seeds.add(REFS.encode(ImageRef.newBuilder().setId("id-2").setUri("file:///data/images/b.jpg").setSource("folder")
                .setAttributes(Map.of("caption", "a cat", "page", "https://example.org/p")).setProducedAt(java.time.Instant.ofEpochMilli(1_700_000_000_000L)).build()));
        seeds.add(REFS.encode(ImageRef.newBuilder().setId("ü-ß-€").setUri("http://[::1]:8080/é.webp").setSource("").build()));
        seeds.add(REFS.encode(ImageRef.newBuilder().setId("").setUri("").build()));
        seeds.add(new byte[0]);
        return seeds;
    }

    public static String decode(byte[] value) {
        try {
            ImageRef ref = REFS.decode(value);
            return "decoded:" + ref.getAttributes().size();
        } catch (SerializationException e) {
            return SeededFuzzing.signature(e);
        }
    }

    /**
     * Known to fail until the bounded Avro decoder (issue 13, item 2, on another branch) is merged: the length bomb
     * is found within the first few thousand mutations.
     */
    @Test
    void mutatedReferencesDecodeOrFailAsSerializationException() {
        SeededFuzzing.Report report = SeededFuzzing.run("imageref", seeds(), ImageRefDecodingFuzzTest::decode, LIMITS, 13, 20_000);
        System.out.println(report);
        assertThat(report.outcomes()).as("mutations reached more than the seeds' outcomes").isGreaterThan(4);
    }
}
