package dev.sieve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.config.Setting;
import dev.sieve.config.Settings;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The settings tables are the one place a setting is declared: --help, the refusal of a bad value, docs/settings.md and
 * ops/base/config.env all agree with them.
 */
class SettingsTablesTest {
    static final Path REPO = Path.of(System.getProperty("user.dir")).getParent();
    static final Path DOC = REPO.resolve("docs/settings.md");

    /** Every command with a settings table, in the order of docs/settings.md. */
    static final Map<String, Settings> TABLES = new LinkedHashMap<>();

    static {
        TABLES.put("produce", ProduceCommand.SETTINGS);
        TABLES.put("work", WorkCommand.SETTINGS);
        TABLES.put("sort", SortCommand.SETTINGS);
        TABLES.put("export", ExportCommand.SETTINGS);
        TABLES.put("review", ReviewCommand.SETTINGS);
        TABLES.put("status", StatusCommand.SETTINGS);
    }

    /** The model settings, mixed into work, score and demo. */
    static final Map<String, Settings> MIXED_IN = Map.of("work", ModelOptions.SETTINGS, "score", ModelOptions.SETTINGS,
            "demo", ModelOptions.SETTINGS);

    @Test
    void everyOptionOfATableIsAnOptionWhoseHelpStatesTheTablesDefault() {
        Map<String, CommandLine> commands = Sieve.commandLine().getSubcommands();
        Map<String, Settings> all = new LinkedHashMap<>(TABLES);
        all.put("score", ModelOptions.SETTINGS);
        all.put("demo", ModelOptions.SETTINGS);
        for (var table : all.entrySet()) {
            CommandLine command = commands.get(table.getKey());
            for (Setting<?> s : table.getValue().options()) {
                var option = command.getCommandSpec().findOption(s.option());
                assertThat(option).as("sieve %s %s", table.getKey(), s.option()).isNotNull();
                String shown = s.shownDefault() == null ? "none" : s.shownDefault();
                assertThat(String.join(" ", option.description())).as("sieve %s %s", table.getKey(), s.option())
                        .startsWith(s.doc()).endsWith("Default: " + shown + ".");
            }
        }
    }

    @Test
    void helpShowsTheDefaultFromTheTable() {
        StringWriter out = new StringWriter();
        Sieve.commandLine().setOut(new PrintWriter(out, true)).execute("work", "--help");
        String help = out.toString().replaceAll("\\s+", " ");
        assertThat(help).contains("--batch-crops=<batch-crops> Crops per CLIP forward pass (several images share one pass). "
                + "Accepts at least 1. Default: " + WorkerConfigDefault.batchCrops() + ".");
        assertThat(help).contains("--prepare-threads=<prepare-threads>").contains("Default: cores - 1.");
        assertThat(help).contains("--delivery=EXACTLY_ONCE|AT_LEAST_ONCE");
    }

    @Test
    void aBadValueIsRefusedNamingTheSettingItsRangeAndWhereItCameFrom() {
        Run work = run("work", "--batch-crops", "0", "--metrics-port", "0", "--bootstrap-servers", "127.0.0.1:1");
        assertThat(work.code()).isEqualTo(2);
        assertThat(work.err()).contains("--batch-crops 0 (command line): must be at least 1");
        Run status = run("status", "--window-s", "-1");
        assertThat(status.code()).isEqualTo(2);
        assertThat(status.err()).contains("--window-s -1 (command line): must be at least 0");
        Run review = run("review", "--thumbnail-size", "4096");
        assertThat(review.code()).isEqualTo(2);
        assertThat(review.err()).contains("--thumbnail-size 4096 (command line): must be between 16 and 2048");
        Run produce = run("produce", "--progress", "loud", "x.jpg");
        assertThat(produce.code()).isEqualTo(2);
        assertThat(produce.err()).contains("--progress 'loud' (command line): must be auto, line, log or none");
    }

    @Test
    void docsSettingsMdIsTheTables() throws IOException {
        String expected = settingsDoc();
        String actual = Files.exists(DOC) ? Files.readString(DOC) : "";
        if (!actual.equals(expected)) {
            Path generated = REPO.resolve("worker/target/settings.md");
            Files.writeString(generated, expected);
            assertThat(actual).as("docs/settings.md differs from the settings tables; the tables' version is in %s "
                    + "(copy it over, or change the table)", generated).isEqualTo(expected);
        }
    }

    @Test
    void opsConfigEnvHoldsValidValuesUnderTheTablesDefaults() throws IOException {
        for (String file : List.of("ops/base/config.env", "ops/overlays/gpu/config-gpu.env")) {
            List<String> lines = Files.readAllLines(REPO.resolve(file));
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.isBlank() || line.startsWith("#")) continue;
                String key = line.substring(0, line.indexOf('='));
                String value = line.substring(line.indexOf('=') + 1);
                int dot = key.indexOf('.');
                List<String> commands = dot < 0 ? List.of("work", "sort") : List.of(key.substring(0, dot));
                String name = key.substring(dot + 1);
                for (String command : commands) {
                    Settings table = TABLES.get(command);
                    if (table != null && !table.has(name)) table = MIXED_IN.get(command);
                    if (table == null || !table.has(name)) continue; // a picocli option: OpsManifestsTest
                    Setting<?> s = table.get(name);
                    if (!value.isEmpty()) table.resolve(Map.of(name, value), Map.of()); // throws naming it when invalid
                    if (file.contains("base/")) {
                        assertThat(i > 0 ? lines.get(i - 1) : "").as("%s: the line above %s", file, key)
                                .isEqualTo(configEnvComment(s));
                    }
                }
            }
        }
    }

    /** The comment above a key of ops/base/config.env: the default and the range, from the table. */
    static String configEnvComment(Setting<?> s) {
        String accepts = s.accepts().description().isEmpty() ? "" : "; " + s.accepts().description();
        return "# --" + s.name() + ": default " + (s.shownDefault() == null ? "none" : s.shownDefault()) + accepts;
    }

    static String settingsDoc() {
        List<String> out = new ArrayList<>();
        out.add("# Settings");
        out.add("");
        out.add("Every setting of every command, generated from the settings tables (`dev.sieve.config`; see");
        out.add("[Adding a setting](architecture.md#adding-a-setting)). On the command line a setting is `--name value`;");
        out.add("where an environment variable is named, it sets the value when the option is not given. In Kubernetes");
        out.add("`ops/base/config.env` holds the key `<command>.<name>`. `SettingsTablesTest` fails when this file and the");
        out.add("tables differ, and writes the tables' version to `worker/target/settings.md`.");
        out.add("");
        out.add("Repeatable options are picocli options of their own, listed by `--help`: `--head` and `--combine-head`");
        out.add("(work, score, demo), `--threshold` and `--score-bands` (sort, export), `--attr` (produce); so are the");
        out.add("options of `sieve broker` and `sieve demo` and the inputs of produce and score.");
        for (var table : TABLES.entrySet()) {
            out.add("");
            out.add("## sieve " + table.getKey());
            out.add("");
            out.add(table.getValue().markdown().strip());
            if (table.getKey().equals("work")) {
                out.add("");
                out.add("## sieve work, score and demo: the models");
                out.add("");
                out.add(ModelOptions.SETTINGS.markdown().strip());
            }
        }
        return String.join("\n", out) + "\n";
    }

    private record Run(int code, String err) {}

    private static Run run(String... args) {
        StringWriter err = new StringWriter();
        int code = Sieve.commandLine().setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err, true)).execute(args);
        return new Run(code, err.toString());
    }

    /** The default as the record sees it, so the help assertion is not a second copy of the number. */
    private static final class WorkerConfigDefault {
        static int batchCrops() {
            return dev.sieve.work.WorkerConfig.SETTINGS.defaults().get(dev.sieve.work.WorkerConfig.BATCH_CROPS);
        }
    }
}
