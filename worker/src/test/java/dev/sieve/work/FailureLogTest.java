package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.Stage;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FailureLogTest {
    private final ImageRef ref = ImageRef.newBuilder().setId("abc").setUri("https://example.test/a \"b\".jpg")
            .setSource("s").setAttributes(Map.of()).setProducedAt(Instant.EPOCH).build();
    private final StageException failure = new StageException(Stage.FETCH, FailureCode.HTTP_STATUS,
            "HTTP 503 from example.test \"busy\"", 3, null);

    @Test
    void jsonLineIsOneParseableObjectWithTheRecordsFields() {
        String line = new FailureLog(FailureLog.Format.JSON, "w-1").line(ref, failure);
        assertThat(line).doesNotContain("\n");
        JsonObject o = JsonParser.parseString(line).getAsJsonObject();
        assertThat(o.get("event").getAsString()).isEqualTo("image_failed");
        assertThat(o.get("id").getAsString()).isEqualTo("abc");
        assertThat(o.get("uri").getAsString()).isEqualTo(ref.getUri());
        assertThat(o.get("stage").getAsString()).isEqualTo("FETCH");
        assertThat(o.get("code").getAsString()).isEqualTo("HTTP_STATUS");
        assertThat(o.get("message").getAsString()).isEqualTo(failure.getMessage());
        assertThat(o.get("attempts").getAsInt()).isEqualTo(3);
        assertThat(o.get("worker").getAsString()).isEqualTo("w-1");
    }

    @Test
    void textLineNamesIdStageAndCode() {
        assertThat(new FailureLog(FailureLog.Format.TEXT, "w-1").line(ref, failure))
                .startsWith("failed id=abc stage=FETCH code=HTTP_STATUS attempts=3");
    }

    @Test
    void aLineStaysShortWhateverTheRecordHolds() {
        ImageRef huge = ImageRef.newBuilder().setId("i".repeat(700_000)).setUri("data:image/png;base64," + "A".repeat(600_000))
                .setSource("s").setAttributes(Map.of()).setProducedAt(Instant.EPOCH).build();
        StageException e = new StageException(Stage.FETCH, FailureCode.UNSUPPORTED_SCHEME, "not http: " + huge.getUri());
        for (FailureLog.Format format : FailureLog.Format.values()) {
            String line = new FailureLog(format, "w-1").line(huge, e);
            assertThat(line.length()).as(format + " line").isLessThan(4096);
            assertThat(line).contains("truncated: 700000 bytes").contains("truncated: 600022 bytes");
        }
    }
}
