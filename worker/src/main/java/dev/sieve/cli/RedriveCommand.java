package dev.sieve.cli;

import dev.sieve.config.Setting;
import dev.sieve.config.Setting.Accepts;
import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.Topics;
import dev.sieve.redrive.RedriveConfig;
import dev.sieve.redrive.RedriveResult;
import dev.sieve.redrive.Redriver;
import dev.sieve.redrive.TransientCodes;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;

/** {@code sieve redrive}: transient failures back onto images.in, a bounded number of times. */
@Command(name = "redrive", mixinStandardHelpOptions = true, modelTransformer = SettingOptions.Install.class,
        description = {"Reads images.failed from where the last redrive stopped (the committed offsets of --group) to "
                + "its end, and sends the reference of every failure whose code is transient back to images.in with "
                + "its redrive count one higher; a reference redriven --max-attempts times already is left out. The "
                + "references and the new mark are written in one Kafka transaction: a second run sends only what "
                + "failed since, and a run that dies sends nothing twice. Prints what it sent and skipped by code."},
        footer = {"", "Examples:", "  sieve redrive -b kafka:9092",
            "  sieve redrive --codes TIMEOUT,NETWORK,HTTP_429,HTTP_5XX,NOT_FOUND --max-attempts 5"},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:done (whatever was sent)", "2:bad usage", "3:Kafka could not be reached"})
public final class RedriveCommand extends ConfiguredCommand {
    static final Setting<String> CODES = Setting.text("codes", String.join(",", TransientCodes.DEFAULT))
            .paramLabel("CODE[,CODE...]")
            .doc("Failures sent back: FailureCode names, HTTP_429 and HTTP_5XX (an HTTP_STATUS failure with that answer).");
    static final Setting<Integer> MAX_ATTEMPTS = Setting.integer("max-attempts", 3).accepts(Accepts.atLeast(1))
            .paramLabel("N").doc("A reference already redriven N times is not sent again.");
    static final Setting<String> GROUP = Setting.text("group", "sieve-redrive")
            .doc("Consumer group holding where the last run stopped; a new name starts from the beginning of images.failed.");
    static final Setting<String> FAILED_TOPIC = Setting.text("failed-topic", Topics.FAILED).doc("Where failures are read.");
    static final Setting<String> TOPIC = Setting.text("topic", Topics.IN).doc("Where references go back to.");

    /** Every setting of {@code sieve redrive}. */
    static final Settings SETTINGS = Settings.of("redrive", KafkaSettings.SETTINGS, CODES, MAX_ATTEMPTS, GROUP,
            FAILED_TOPIC, TOPIC);

    public RedriveCommand() {
        super(SETTINGS);
    }

    @Override
    public Integer call() {
        Values values = values();
        KafkaSettings kafka = KafkaSettings.of(values);
        String failedTopic = values.get(FAILED_TOPIC);
        String inputTopic = values.get(TOPIC);
        int maxAttempts = values.get(MAX_ATTEMPTS);
        RedriveConfig config;
        try {
            config = RedriveConfig.defaults(kafka.bootstrapServers())
                    .withCodes(new TransientCodes(List.of(values.get(CODES).split(","))))
                    .withMaxAttempts(maxAttempts).withGroup(values.get(GROUP)).withTopics(failedTopic, inputTopic);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        RedriveResult result;
        try {
            result = new Redriver(config, kafka).run();
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
