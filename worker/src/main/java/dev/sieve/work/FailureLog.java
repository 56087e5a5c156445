package dev.sieve.work;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.sieve.StageException;
import dev.sieve.avro.ImageRef;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per image that ends on images.failed, on the logger {@code sieve.failures}: {@code key=value} text for
 * people, or one JSON object for log shippers. The record on images.failed stays the source of truth; this is for
 * grep and dashboards. An image replayed after an aborted transaction can be logged twice.
 *
 * <p>A line is at most a few KiB whatever the record holds: id, uri and message are cut (with the original size and
 * digest, see {@link FieldBounds#text}), so a 600 KB URI cannot make the log grow by megabytes a second.
 */
public final class FailureLog {
    public enum Format { TEXT, JSON }

    private static final Logger LOG = LoggerFactory.getLogger("sieve.failures");
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    static final int ID_BYTES = 256;
    static final int URI_BYTES = 1024;
    static final int MESSAGE_BYTES = 2048;

    private final Format format;
    private final String workerId;

    FailureLog(Format format, String workerId) {
        this.format = format;
        this.workerId = workerId;
    }

    void log(ImageRef ref, StageException e) {
        if (LOG.isInfoEnabled()) LOG.info(line(ref, e));
    }

    String line(ImageRef ref, StageException e) {
        String id = FieldBounds.text(ref.getId(), ID_BYTES);
        String uri = FieldBounds.text(ref.getUri(), URI_BYTES);
        String message = e.getMessage() == null ? null : FieldBounds.text(e.getMessage(), MESSAGE_BYTES);
        if (format == Format.JSON) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("event", "image_failed");
            o.put("id", id);
            o.put("uri", uri);
            o.put("stage", e.stage().toString());
            o.put("code", e.code().toString());
            o.put("message", message);
            o.put("attempts", e.attempts());
            o.put("worker", workerId);
            return GSON.toJson(o);
        }
        return "failed id=" + id + " stage=" + e.stage() + " code=" + e.code() + " attempts=" + e.attempts()
                + " uri=" + uri + " message=\"" + message + "\"";
    }
}
