package dev.sieve.produce;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/** For logs and pipes: a plain line every {@code everyRefs} references or every {@code every}, and a summary. */
final class LogProgress implements ProduceProgress {

    static final long EVERY_REFS = 10_000;
    static final Duration EVERY = Duration.ofSeconds(5);

    private final PrintStream out;
    private final long everyRefs;
    private final long everyNanos;
    private long lastCount;
    private long lastLine = System.nanoTime();

    LogProgress(PrintStream out, long everyRefs, Duration every) {
        this.out = out;
        this.everyRefs = everyRefs;
        this.everyNanos = every.toNanos();
    }

    @Override
    public void update(ProduceResult soFar) {
        long now = System.nanoTime();
        if (soFar.submitted() - lastCount < everyRefs && now - lastLine < everyNanos) return;
        lastCount = soFar.submitted();
        lastLine = now;
        out.println(String.format(Locale.ROOT, "produce: %d refs submitted, %d sent (%.0f refs/s, %.1f s)",
                soFar.submitted(), soFar.sent(), soFar.rate(), soFar.elapsed().toNanos() / 1e9));
        out.flush();
    }

    @Override
    public void finish(ProduceResult result) {
        out.println("produce: " + result.summary());
        out.flush();
    }
}
