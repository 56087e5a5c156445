package dev.sieve.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The filter in a logback context of its own, with a clock the test moves. */
class RepeatedWarningFilterTest {
    private final LoggerContext context = new LoggerContext();
    private final AtomicLong now = new AtomicLong();
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    RepeatedWarningFilterTest() {
        RepeatedWarningFilter filter = new RepeatedWarningFilter(now::get);
        filter.setWindowSeconds(60);
        filter.setContext(context);
        filter.start();
        context.addTurboFilter(filter);
        lines.setContext(context);
        lines.start();
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(lines);
    }

    @Test
    void letsOneLinePerShapeAndWindowThroughAndCountsTheRest() {
        Logger network = context.getLogger("org.apache.kafka.clients.NetworkClient");
        for (int attempt = 0; attempt < 500; attempt++) {
            network.warn("Connection to node {} ({}) could not be established.", attempt % 3, "localhost/127.0.0.1:9092");
            network.warn("Bootstrap broker {} disconnected", "localhost:9092");
            now.addAndGet(100_000_000L); // a reconnect every 100 ms: 50 s in all
        }
        assertThat(messages()).containsExactly("Connection to node 0 (localhost/127.0.0.1:9092) could not be established.",
                "Bootstrap broker localhost:9092 disconnected");

        now.addAndGet(20_000_000_000L); // the window is over
        network.warn("Connection to node {} ({}) could not be established.", 1, "localhost/127.0.0.1:9092");
        assertThat(messages()).hasSize(4);
        assertThat(messages().get(2)).isEqualTo("499 more lines like the next one from org.apache.kafka.clients.NetworkClient "
                + "in the last 70 s were not logged");
        assertThat(lines.list.get(2).getLoggerName()).isEqualTo(RepeatedWarningFilter.SUMMARY_LOGGER);
        assertThat(lines.list.get(2).getLevel()).isEqualTo(Level.WARN);
        assertThat(messages().get(3)).startsWith("Connection to node 1");
    }

    @Test
    void leavesOtherLoggersAndLevelsAlone() {
        Logger sieve = context.getLogger("dev.sieve.work.Worker");
        Logger kafka = context.getLogger("org.apache.kafka.clients.NetworkClient");
        kafka.setLevel(Level.INFO);
        for (int i = 0; i < 5; i++) {
            sieve.warn("transaction of {} results aborted", i);
            kafka.info("Node {} disconnected.", i);
        }
        assertThat(messages()).hasSize(10);
    }

    private java.util.List<String> messages() {
        return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
}
