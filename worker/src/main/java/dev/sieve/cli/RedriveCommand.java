package dev.sieve.cli;

import dev.sieve.kafka.Topics;
import dev.sieve.redrive.RedriveConfig;
import dev.sieve.redrive.RedriveResult;
import dev.sieve.redrive.Redriver;
import dev.sieve.redrive.TransientCodes;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sieve redrive}: transient failures back onto images.in, a bounded number of times. */
@Command(name = "redrive", mixinStandardHelpOptions = true,
        description = {"Reads images.failed from where the last redrive stopped (the committed offsets of --group) to "
                + "its end, and sends the reference of every failure whose code is transient back to images.in with "
                + "its redrive count one higher; a reference redriven --max-attempts times already is left out. The "
                + "references and the new mark are written in one Kafka transaction: a second run sends only what "
                + "failed since, and a run that dies sends nothing twice. Prints what it sent and skipped by code."},
        footer = {"", "Examples:", "  sieve redrive -b kafka:9092",
            "  sieve redrive --codes TIMEOUT,NETWORK,HTTP_429,HTTP_5XX,NOT_FOUND --max-attempts 5"},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:done (whatever was sent)", "2:bad usage", "3:Kafka could not be reached"})
public final class RedriveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--codes", split = ",", paramLabel = "CODE[,CODE...]",
            description = "Failures sent back: FailureCode names, HTTP_429 and HTTP_5XX (an HTTP_STATUS failure with "
                    + "that answer). Default: TIMEOUT,NETWORK,HTTP_429,HTTP_5XX.")
    List<String> codes = TransientCodes.DEFAULT;

    @Option(names = "--max-attempts", defaultValue = "3", paramLabel = "N",
            description = "A reference already redriven N times is not sent again. Default: ${DEFAULT-VALUE}.")
    int maxAttempts;

    @Option(names = "--group", defaultValue = "sieve-redrive",
            description = "Consumer group holding where the last run stopped; a new name starts from the beginning of "
                    + "images.failed. Default: ${DEFAULT-VALUE}.")
    String group;

    @Option(names = "--failed-topic", defaultValue = Topics.FAILED, description = "Default: ${DEFAULT-VALUE}.")
    String failedTopic;

    @Option(names = "--topic", defaultValue = Topics.IN, description = "Where references go back to. Default: ${DEFAULT-VALUE}.")
    String inputTopic;

    @Override
    public Integer call() {
        RedriveConfig config;
        try {
            config = RedriveConfig.defaults(kafka.bootstrapServers).withCodes(new TransientCodes(codes))
                    .withMaxAttempts(maxAttempts).withGroup(group).withTopics(failedTopic, inputTopic);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        RedriveResult result;
        try {
            result = new Redriver(config).run();
        } catch (IllegalStateException | org.apache.kafka.common.KafkaException e) {
            spec.commandLine().getErr().println("redrive: " + e.getMessage());
            return 3;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("read %d failures from %s; sent %d back to %s%n", result.read(), failedTopic, result.sentTotal(), inputTopic);
        print(out, "sent", result.sent());
        print(out, "skipped, not transient", result.notTransient());
        print(out, "skipped, redriven " + maxAttempts + " times already", result.exhausted());
        if (result.unreadable() > 0) out.printf("  skipped, unreadable: %d%n", result.unreadable());
        out.flush();
        return 0;
    }

    private static void print(PrintWriter out, String what, Map<String, Long> byCode) {
        if (byCode.isEmpty()) return;
        out.printf("  %s:%n", what);
        byCode.forEach((code, n) -> out.printf("    %-24s %d%n", code, n));
    }
}
