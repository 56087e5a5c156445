package dev.sieve.work;

import dev.sieve.StageException;
import dev.sieve.avro.ImageRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per image that ends on images.failed, on the logger {@code sieve.failures}: {@code key=value} text for
 * people; with {@code --log-format JSON} the layout writes the line as JSON and the fields go in its key-value pairs
 * ({@code kvpList}), never as JSON written by hand. The record on images.failed stays the source of truth; this is for
 * grep and dashboards. An image replayed after an aborted transaction can be logged twice.
 */
public final class FailureLog {
    public enum Format { TEXT, JSON }

    private static final Logger LOG = LoggerFactory.getLogger("sieve.failures");

    private final Format format;
    private final String workerId;

    FailureLog(Format format, String workerId) {
        this.format = format;
        this.workerId = workerId;
    }

    void log(ImageRef ref, StageException e) {
        if (!LOG.isInfoEnabled()) return;
        LOG.atInfo().addKeyValue("event", "image_failed").addKeyValue("id", ref.getId()).addKeyValue("uri", ref.getUri())
                .addKeyValue("stage", e.stage().toString()).addKeyValue("code", e.code().toString())
                .addKeyValue("message", e.getMessage()).addKeyValue("attempts", e.attempts())
                .addKeyValue("worker", workerId)
                // JSON carries the fields above; repeating them in the message would only double the line.
                .log(format == Format.JSON ? "image " + ref.getId() + " failed: " + e.code() : line(ref, e));
    }

    String line(ImageRef ref, StageException e) {
        return "failed id=" + ref.getId() + " stage=" + e.stage() + " code=" + e.code() + " attempts=" + e.attempts()
                + " uri=" + ref.getUri() + " message=\"" + e.getMessage() + "\"";
    }
}
