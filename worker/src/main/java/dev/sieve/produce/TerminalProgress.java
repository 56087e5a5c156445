package dev.sieve.produce;

import java.io.PrintStream;
import java.util.Locale;

/** One status line on a terminal, redrawn in place with a carriage return at most ten times a second. */
final class TerminalProgress implements ProduceProgress {

    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream out;
    private long lastDraw;
    private int lastLength;

    TerminalProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void update(ProduceResult soFar) {
        long now = System.nanoTime();
        if (lastDraw != 0 && now - lastDraw < REDRAW_NANOS) return;
        lastDraw = now;
        draw(line(soFar));
    }

    @Override
    public void finish(ProduceResult result) {
        draw(line(result));
        out.println();
        out.println(result.summary());
        out.flush();
    }

    static String line(ProduceResult r) {
        long seconds = r.elapsed().toSeconds();
        String spinner = "|/-\\".charAt((int) (r.elapsed().toMillis() / 100 % 4)) + "";
        return String.format(Locale.ROOT, "%s %,d refs sent  %,.0f refs/s  %d:%02d  (%,d waiting, %d failed, %d rejected)",
                spinner, r.sent(), r.rate(), seconds / 60, seconds % 60, r.submitted() - r.sent() - r.failed(),
                r.failed(), r.rejected());
    }

    private void draw(String line) {
        // Pads over what is left of a longer previous line.
        String padded = line.length() < lastLength ? line + " ".repeat(lastLength - line.length()) : line;
        lastLength = line.length();
        out.print("\r" + padded);
        out.flush();
    }
}
