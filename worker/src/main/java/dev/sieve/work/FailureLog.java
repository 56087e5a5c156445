package dev.sieve.work;

import dev.sieve.config.Setting;
import dev.sieve.StageException;
import dev.sieve.avro.ImageRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per image that ends on images.failed, on the logger {@code sieve.failures}: {@code key=value} text for
 * people; with {@code --log-format JSON} the layout writes the line as JSON and the fields go in its key-value pairs
 * ({@code kvpList}), never as JSON written by hand. The record on images.failed stays the source of truth; this is for
 * grep and dashboards. An image replayed after an aborted transaction can be logged twice.
 *
 * <p>A line is at most a few KiB whatever the record holds: id, uri and message are cut (with the original size and
 * digest, see {@link FieldBounds#text}), so a 600 KB URI cannot make the log grow by megabytes a second.
 */
public final class FailureLog {
    public enum Format { TEXT, JSON }

    /** {@code --log-format}, shared by the long-running commands. */
    public static final Setting<Format> FORMAT = Setting.choice("log-format", Format.TEXT).env("SIEVE_LOG_FORMAT")
            .doc("TEXT: one line per event for people. JSON: every line on stdout and stderr is one JSON object "
                    + "(logback's JsonEncoder: timestamp, level, threadName, loggerName, formattedMessage, kvpList, "
                    + "throwable) for log shippers; a failed image's fields are in kvpList.");

    private static final Logger LOG = LoggerFactory.getLogger("sieve.failures");

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
        if (!LOG.isInfoEnabled()) return;
        String id = FieldBounds.text(ref.getId(), ID_BYTES);
        String uri = FieldBounds.text(ref.getUri(), URI_BYTES);
        String message = e.getMessage() == null ? null : FieldBounds.text(e.getMessage(), MESSAGE_BYTES);
        LOG.atInfo().addKeyValue("event", "image_failed").addKeyValue("id", id).addKeyValue("uri", uri)
                .addKeyValue("stage", e.stage().toString()).addKeyValue("code", e.code().toString())
                .addKeyValue("message", message).addKeyValue("attempts", e.attempts())
                .addKeyValue("worker", workerId)
                // JSON carries the fields above; repeating them in the message would only double the line.
                .log(format == Format.JSON ? "image " + id + " failed: " + e.code() : line(id, uri, message, e));
    }

    String line(ImageRef ref, StageException e) {
        return line(FieldBounds.text(ref.getId(), ID_BYTES), FieldBounds.text(ref.getUri(), URI_BYTES),
                e.getMessage() == null ? null : FieldBounds.text(e.getMessage(), MESSAGE_BYTES), e);
    }

    private static String line(String id, String uri, String message, StageException e) {
        return "failed id=" + id + " stage=" + e.stage() + " code=" + e.code() + " attempts=" + e.attempts()
                + " uri=" + uri + " message=\"" + message + "\"";
    }
}
