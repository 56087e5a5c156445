package dev.sieve.produce;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * How a run went (or is going: progress reports use the same record).
 *
 * @param topic     where the references went
 * @param submitted references handed to the producer
 * @param sent      references Kafka acknowledged
 * @param failed    references Kafka did not take (after the producer's own retries)
 * @param rejected  inputs that were not references (bad URI, missing file...)
 * @param elapsed   time since the run started
 * @param problems  the first few failures and rejections, one line each, for a human
 */
public record ProduceResult(String topic, long submitted, long sent, long failed, long rejected, Duration elapsed,
                            List<String> problems) {

    public ProduceResult {
        problems = List.copyOf(problems);
    }

    /** Whether every input became a reference Kafka acknowledged. */
    public boolean ok() {
        return failed == 0 && rejected == 0 && sent == submitted;
    }

    /** References sent per second. */
    public double rate() {
        double seconds = elapsed.toNanos() / 1e9;
        return seconds <= 0 ? 0 : sent / seconds;
    }

    /** One line: "sent 1200 refs to images.in in 2.4 s (500 refs/s); 0 failed, 1 rejected". */
    public String summary() {
        return String.format(Locale.ROOT, "sent %d refs to %s in %.1f s (%.0f refs/s); %d failed, %d rejected",
                sent, topic, elapsed.toNanos() / 1e9, rate(), failed, rejected);
    }
}
