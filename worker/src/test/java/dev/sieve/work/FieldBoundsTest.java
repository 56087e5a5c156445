package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.StageException;
import dev.sieve.avro.FailedImage;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.Stage;
import dev.sieve.kafka.AvroSerde;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FieldBoundsTest {

    @Test
    void aCutTextFitsItsBoundKeepsItsStartAndSaysHowLongItWas() {
        long seed = Long.getLong("sieve.property.seed", System.nanoTime());
        Random random = new Random(seed);
        String alphabet = "a\u00e9\u4e2d\ud83d\ude00";
        for (int n = 0; n < 200; n++) {
            StringBuilder b = new StringBuilder();
            int length = random.nextInt(3000);
            for (int i = 0; i < length; i++) {
                int at = random.nextInt(4);
                b.append(at == 3 ? alphabet.substring(3, 5) : alphabet.substring(at, at + 1));
            }
            String s = b.toString();
            int max = 100 + random.nextInt(2000);
            String cut = FieldBounds.text(s, max);
            int bytes = s.getBytes(StandardCharsets.UTF_8).length;
            assertThat(cut.getBytes(StandardCharsets.UTF_8).length).as("seed %d", seed).isLessThanOrEqualTo(max);
            assertThat(FieldBounds.utf8Length(s)).isEqualTo(bytes);
            if (bytes <= max) {
                assertThat(cut).isEqualTo(s);
            } else {
                String kept = cut.substring(0, cut.indexOf("\u2026[truncated: "));
                assertThat(s).as("seed %d", seed).startsWith(kept);
                assertThat(cut).endsWith("truncated: " + bytes + " bytes, sha256 "
                        + FieldBounds.digest(s.getBytes(StandardCharsets.UTF_8)) + "]");
            }
        }
    }

    @Test
    void aFailureOfAnyReferenceFitsWellUnderAKafkaRecord() {
        Map<String, String> attributes = new HashMap<>();
        for (int i = 0; i < 200; i++) attributes.put("k" + i, "v".repeat(5000));
        ImageRef huge = ImageRef.newBuilder().setId("i".repeat(300_000)).setUri("data:," + "A".repeat(600_000))
                .setSource("s".repeat(10_000)).setAttributes(attributes).setProducedAt(Instant.EPOCH).build();
        assertThat(FieldBounds.oversized(huge)).hasValueSatisfying(why -> assertThat(why).contains("id is 300000 bytes"));
        StageException e = new StageException(Stage.INPUT, FailureCode.BAD_REFERENCE, "bad: " + huge.getUri());
        FailedImage failed = Outcomes.failed(huge, e, "w", new byte[900_000]);
        int size = AvroSerde.of(FailedImage.class).encode(failed).length;
        assertThat(size).isLessThan(512 * 1024);
        assertThat(FieldBounds.oversized(failed.getRef())).isEmpty();
        assertThat(failed.getMessage()).contains("raw_value holds the first 262144 of 900000 bytes");
        assertThat(failed.getRawValue().remaining()).isEqualTo(FieldBounds.RAW_VALUE_BYTES);
    }
}
