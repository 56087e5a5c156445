package dev.sieve.log;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.LoggerFactory;

/**
 * Makes every line the process writes one JSON object, for log shippers: logback's {@link JsonEncoder} replaces the
 * console pattern (same levels, same filters), and whatever still prints to {@code System.out} or {@code System.err}
 * (a library's notice, picocli's error line) is logged line by line on the loggers {@code stdout} and {@code stderr}
 * instead of reaching the stream as text.
 */
public final class JsonConsole {
    static final String APPENDER = "console";
    private static boolean installed;

    private JsonConsole() {}

    /** Switches this process to JSON lines on stderr; later calls do nothing. */
    public static synchronized void install() {
        if (installed || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) return;
        installed = true;
        // The encoder writes to the real stderr; System.err itself becomes a logger below, so writing through it
        // would loop.
        PrintStream stderr = System.err;
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Appender<ILoggingEvent> text = root.getAppender(APPENDER);
        if (text != null) {
            root.detachAppender(text);
            text.stop();
        }
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        // What a shipper needs: time, level, thread, logger, the finished message, key-values and the stack trace.
        encoder.setWithSequenceNumber(false);
        encoder.setWithNanoseconds(false);
        encoder.setWithContext(false);
        encoder.setWithMessage(false);
        encoder.setWithArguments(false);
        encoder.setWithFormattedMessage(true);
        encoder.start();
        OutputStreamAppender<ILoggingEvent> json = new OutputStreamAppender<>();
        json.setName(APPENDER);
        json.setContext(context);
        json.setEncoder(encoder);
        json.setOutputStream(stderr);
        json.setImmediateFlush(true);
        json.start();
        root.addAppender(json);
        System.setOut(lineLogger("stdout"));
        System.setErr(lineLogger("stderr"));
    }

    private static PrintStream lineLogger(String name) {
        return new PrintStream(new LineLogger(LoggerFactory.getLogger(name)), true, StandardCharsets.UTF_8);
    }

    /** Logs each complete line written to it at INFO; a line is cut at {@value #MAX_LINE} bytes. */
    static final class LineLogger extends OutputStream {
        static final int MAX_LINE = 64 * 1024;
        private final org.slf4j.Logger log;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineLogger(org.slf4j.Logger log) {
            this.log = log;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                flushLine();
            } else if (line.size() < MAX_LINE) {
                line.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) write(b[i]);
        }

        private void flushLine() {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (text.endsWith("\r")) text = text.substring(0, text.length() - 1);
            if (!text.isBlank()) log.info(text);
        }
    }
}
