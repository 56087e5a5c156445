package dev.sieve.produce;

import java.io.PrintStream;

/** Shows how a run goes: a line redrawn in place on a terminal, a log line now and then otherwise. */
public sealed interface ProduceProgress permits TerminalProgress, LogProgress, ProduceProgress.Silent {

    /** Called for every reference; implementations decide how often to show anything. */
    void update(ProduceResult soFar);

    /** Called once at the end. */
    void finish(ProduceResult result);

    /** A redrawn line when {@code out} is an interactive terminal (and not CI), periodic log lines otherwise. */
    static ProduceProgress auto(PrintStream out) {
        boolean interactive = System.console() != null && System.getenv("CI") == null
                && !"dumb".equals(System.getenv("TERM"));
        return interactive ? line(out) : log(out);
    }

    /** A line redrawn in place, whatever {@code out} is. */
    static ProduceProgress line(PrintStream out) {
        return new TerminalProgress(out);
    }

    /** A plain line every 10000 references or 5 seconds, and a summary. */
    static ProduceProgress log(PrintStream out) {
        return new LogProgress(out, LogProgress.EVERY_REFS, LogProgress.EVERY);
    }

    static ProduceProgress silent() {
        return new Silent();
    }

    /** Shows nothing: for programmatic use (the demo, tests). */
    record Silent() implements ProduceProgress {
        @Override
        public void update(ProduceResult soFar) {}

        @Override
        public void finish(ProduceResult result) {}
    }
}
