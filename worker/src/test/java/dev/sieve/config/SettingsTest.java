package dev.sieve.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sieve.config.Setting.Accepts;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {
    enum Mode { FAST, SAFE }

    static final Setting<Integer> CROPS = Setting.integer("batch-crops", 32).accepts(Accepts.atLeast(1)).doc("Crops a pass.");
    static final Setting<String> SERVERS = Setting.text("bootstrap-servers", "localhost:9092").env("SIEVE_BOOTSTRAP_SERVERS")
            .accepts(Accepts.notBlank()).doc("Servers.");
    static final Setting<Mode> MODE = Setting.choice("mode", Mode.SAFE).doc("How.");
    static final Setting<Integer> CORES = Setting.integer("threads", 1).computedDefault("cores", () -> "7").doc("Threads.");
    static final Setting<Long> BACKOFF = Setting.longValue("retry-backoff-ms", 200).notAnOption().doc("Backoff.");
    static final Settings TABLE = Settings.of("test", CROPS, SERVERS, MODE, CORES, BACKOFF);

    @Test
    void theCommandLineWinsOverTheEnvironmentWhichWinsOverTheDefault() {
        Values v = TABLE.resolve(Map.of("batch-crops", "64"), Map.of("SIEVE_BOOTSTRAP_SERVERS", "kafka:9092"));
        assertThat(v.get(CROPS)).isEqualTo(64);
        assertThat(v.source(CROPS)).isEqualTo("command line");
        assertThat(v.get(SERVERS)).isEqualTo("kafka:9092");
        assertThat(v.source(SERVERS)).isEqualTo("env SIEVE_BOOTSTRAP_SERVERS");
        assertThat(v.get(MODE)).isEqualTo(Mode.SAFE);
        assertThat(v.source(MODE)).isEqualTo("default");
        assertThat(v.get(CORES)).as("a computed default, worked out at start").isEqualTo(7);
        assertThat(TABLE.resolve(Map.of("bootstrap-servers", "b:1"), Map.of("SIEVE_BOOTSTRAP_SERVERS", "kafka:9092"))
                .get(SERVERS)).isEqualTo("b:1");
        assertThat(TABLE.resolve(Map.of("mode", "fast"), Map.of()).get(MODE)).isEqualTo(Mode.FAST);
    }

    @Test
    void aValueOutOfRangeNamesTheSettingItsRangeAndWhereItCameFrom() {
        assertThatThrownBy(() -> TABLE.resolve(Map.of("batch-crops", "0"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--batch-crops 0 (command line): must be at least 1");
        assertThatThrownBy(() -> TABLE.resolve(Map.of(), Map.of("SIEVE_BOOTSTRAP_SERVERS", " ")))
                .hasMessage("--bootstrap-servers ' ' (env SIEVE_BOOTSTRAP_SERVERS): must be not empty");
        assertThatThrownBy(() -> TABLE.defaults().set(CROPS, -3)).hasMessage("--batch-crops -3 (code): must be at least 1");
    }

    @Test
    void aValueOfTheWrongTypeSaysWhatWasExpected() {
        assertThatThrownBy(() -> TABLE.resolve(Map.of("batch-crops", "many"), Map.of()))
                .hasMessage("--batch-crops 'many' (command line): not an integer");
        assertThatThrownBy(() -> TABLE.resolve(Map.of("mode", "quick"), Map.of()))
                .hasMessage("--mode 'quick' (command line): not one of FAST, SAFE");
    }

    @Test
    void aSettingOfAnotherTableOrAnUnknownNameIsRefused() {
        Setting<Integer> stranger = Setting.integer("batch-crops", 32);
        assertThatThrownBy(() -> TABLE.defaults().get(stranger)).hasMessageContaining("another table's setting");
        assertThatThrownBy(() -> TABLE.resolve(Map.of("nope", "1"), Map.of())).hasMessageContaining("test has no setting nope");
        assertThatThrownBy(() -> Settings.of("twice", CROPS, Settings.of("part", CROPS))).hasMessageContaining("declared twice");
    }

    @Test
    void aDefaultThatDoesNotParseFailsWhereItIsDeclared() {
        assertThatThrownBy(() -> new Setting<>("bad", Setting.Type.INT, "lots", null, null, Accepts.any(), "", null, null, null, false))
                .isInstanceOf(NumberFormatException.class);
    }

    @Test
    void theDocTableListsOptionsWithDefaultRangeAndEnvironment() {
        String table = TABLE.markdown();
        assertThat(table).contains("| `--batch-crops` | `32` | at least 1 | Crops a pass. |")
                .contains("| `--bootstrap-servers` (env `SIEVE_BOOTSTRAP_SERVERS`) | `localhost:9092` | not empty | Servers. |")
                .contains("| `--mode` | `SAFE` | FAST, SAFE | How. |")
                .contains("| `--threads` | cores |")
                .doesNotContain("retry-backoff-ms");
    }
}
