package dev.sieve.produce;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProduceProgressTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    @Test
    void logsEveryNRefsAndASummary() {
        LogProgress progress = new LogProgress(out, 100, Duration.ofHours(1));

        for (int i = 1; i <= 250; i++) progress.update(result(i, i));
        progress.finish(result(250, 250));

        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("produce: 100 refs submitted");
        assertThat(lines.get(1)).startsWith("produce: 200 refs submitted");
        assertThat(lines.get(2)).isEqualTo("produce: sent 250 refs to images.in in 2.0 s (125 refs/s); 0 failed, 1 rejected");
    }

    @Test
    void redrawsOneTerminalLineInPlace() {
        TerminalProgress progress = new TerminalProgress(out);

        for (int i = 1; i <= 1000; i++) progress.update(result(i, i));
        progress.finish(result(1000, 1000));

        String text = bytes.toString(StandardCharsets.UTF_8);
        // Updates arrive far faster than ten a second: only the first and the final draw are shown.
        assertThat(text.chars().filter(c -> c == '\r').count()).isEqualTo(2);
        assertThat(text.split("\n")).hasSize(2);
        assertThat(text).contains("1,000 refs sent").endsWith("0 failed, 1 rejected" + System.lineSeparator());
    }

    private static ProduceResult result(long submitted, long sent) {
        return new ProduceResult("images.in", submitted, sent, 0, 1, Duration.ofSeconds(2), List.of());
    }
}
