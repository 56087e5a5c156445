package dev.sieve.cli;

import dev.sieve.config.Values;
import dev.sieve.log.JsonConsole;
import dev.sieve.work.FailureLog;

/** Applies {@code --log-format} ({@link FailureLog#FORMAT}) before a long-running command logs anything. */
final class LogFormat {
    private LogFormat() {}

    static void apply(Values values) {
        if (values.get(FailureLog.FORMAT) == FailureLog.Format.JSON) JsonConsole.install();
    }
}
