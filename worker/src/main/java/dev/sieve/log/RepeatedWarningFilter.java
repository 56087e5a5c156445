package dev.sieve.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Marker;

/**
 * Lets one WARN or ERROR line per logger and message shape (the format string, before its arguments are filled in)
 * through per window, for loggers under a prefix; the rest of the window is counted, and the count is logged (on
 * {@value #SUMMARY_LOGGER}) when the next line of that shape gets through. Kafka's clients log "connection to node 1
 * could not be established" on every reconnect attempt: during an outage that is hundreds of lines saying one thing.
 */
public final class RepeatedWarningFilter extends TurboFilter {
    public static final String SUMMARY_LOGGER = "sieve.log.repeated";
    /** Shapes are code constants (plus a client-id prefix), so few; the bound only guards against a surprise. */
    private static final int MAX_SHAPES = 10_000;

    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final LongSupplier clock;
    private String loggerPrefix = "org.apache.kafka";
    private long windowNanos = 60_000_000_000L;

    public RepeatedWarningFilter() {
        this(System::nanoTime);
    }

    /** With the clock (nanoseconds) that decides when a window ends. */
    RepeatedWarningFilter(LongSupplier clock) {
        this.clock = clock;
    }

    /** One window per shape opens with the line that gets through and lasts this long. */
    private static final class Window {
        final long opened;
        final AtomicLong held = new AtomicLong();

        Window(long opened) {
            this.opened = opened;
        }
    }

    public void setLoggerPrefix(String prefix) {
        this.loggerPrefix = prefix;
    }

    public void setWindowSeconds(long seconds) {
        if (seconds < 0) throw new IllegalArgumentException("windowSeconds " + seconds + ": must be >= 0");
        this.windowNanos = seconds * 1_000_000_000L;
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        // A null format is an isWarnEnabled() check, not a line.
        if (format == null || !level.isGreaterOrEqual(Level.WARN) || !logger.getName().startsWith(loggerPrefix)) {
            return FilterReply.NEUTRAL;
        }
        long now = clock.getAsLong();
        String shape = logger.getName() + '\u0000' + format;
        Window current = windows.get(shape);
        if (current != null && now - current.opened < windowNanos) {
            current.held.incrementAndGet();
            return FilterReply.DENY;
        }
        if (windows.size() >= MAX_SHAPES) windows.clear();
        Window next = new Window(now);
        // Two threads may both see an expired window: only the one that replaces it reports the count.
        boolean replaced = current == null ? windows.putIfAbsent(shape, next) == null : windows.replace(shape, current, next);
        if (!replaced) return decide(marker, logger, level, format, params, t);
        long held = current == null ? 0 : current.held.get();
        if (held > 0) {
            logger.getLoggerContext().getLogger(SUMMARY_LOGGER).atLevel(org.slf4j.event.Level.valueOf(level.toString()))
                    .addKeyValue("logger", logger.getName()).addKeyValue("repeated", held)
                    .log("{} more lines like the next one from {} in the last {} s were not logged",
                            held, logger.getName(), (now - current.opened) / 1_000_000_000L);
        }
        return FilterReply.NEUTRAL;
    }
}
