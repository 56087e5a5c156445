package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.Stage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class FailureLogTest {
    private final ImageRef ref = ImageRef.newBuilder().setId("abc").setUri("https://example.test/a \"b\".jpg")
            .setSource("s").setAttributes(Map.of()).setProducedAt(Instant.EPOCH).build();
    private final StageException failure = new StageException(Stage.FETCH, FailureCode.HTTP_STATUS,
            "HTTP 503 from example.test \"busy\"", 3, null);

    @Test
    void jsonLineIsOneParseableObjectWithTheRecordsFieldsAsKeyValues() {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("sieve.failures");
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        logger.addAppender(captured);
        try {
            new FailureLog(FailureLog.Format.JSON, "w-1").log(ref, failure);
        } finally {
            logger.detachAppender(captured);
        }
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(logger.getLoggerContext());
        encoder.start();
        String line = new String(encoder.encode(captured.list.get(0)), StandardCharsets.UTF_8).strip();
        assertThat(line).doesNotContain("\n");
        JsonObject o = JsonParser.parseString(line).getAsJsonObject();
        assertThat(o.get("loggerName").getAsString()).isEqualTo("sieve.failures");
        Map<String, String> fields = new HashMap<>();
        for (JsonElement pair : o.getAsJsonArray("kvpList")) {
            pair.getAsJsonObject().entrySet().forEach(e -> fields.put(e.getKey(), e.getValue().getAsString()));
        }
        assertThat(fields).containsEntry("event", "image_failed").containsEntry("id", "abc")
                .containsEntry("uri", ref.getUri()).containsEntry("stage", "FETCH").containsEntry("code", "HTTP_STATUS")
                .containsEntry("message", failure.getMessage()).containsEntry("attempts", "3").containsEntry("worker", "w-1");
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
            String line = encoded(format, huge, e);
            assertThat(line.length()).as(format + " line").isLessThan(8192);
            assertThat(line).contains("truncated: 700000 bytes").contains("truncated: 600022 bytes");
        }
    }

    /** The line as the console would write it: the text layout's message, or the JSON encoder's whole object. */
    private static String encoded(FailureLog.Format format, ImageRef ref, StageException e) {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("sieve.failures");
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        logger.addAppender(captured);
        try {
            new FailureLog(format, "w-1").log(ref, e);
        } finally {
            logger.detachAppender(captured);
        }
        if (format == FailureLog.Format.TEXT) return captured.list.get(0).getFormattedMessage();
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(logger.getLoggerContext());
        encoder.start();
        return new String(encoder.encode(captured.list.get(0)), StandardCharsets.UTF_8);
    }
}
