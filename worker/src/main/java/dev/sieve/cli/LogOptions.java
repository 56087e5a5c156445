package dev.sieve.cli;

import dev.sieve.log.JsonConsole;
import dev.sieve.work.FailureLog;
import picocli.CommandLine.Option;

/** How a long-running command writes its log (a picocli mixin): applied when parsed, before the command logs anything. */
public final class LogOptions {
    FailureLog.Format format = FailureLog.Format.TEXT;

    @Option(names = "--log-format", defaultValue = "${env:SIEVE_LOG_FORMAT:-TEXT}",
            description = {"TEXT: one line per event for people. JSON: every line on stdout and stderr is one JSON object",
                    "(logback's JsonEncoder: timestamp, level, threadName, loggerName, formattedMessage, kvpList,",
                    "throwable) for log shippers; a failed image's fields are in kvpList (env SIEVE_LOG_FORMAT).",
                    "Default: ${DEFAULT-VALUE}."})
    void logFormat(FailureLog.Format value) {
        format = value;
        if (value == FailureLog.Format.JSON) JsonConsole.install();
    }
}
