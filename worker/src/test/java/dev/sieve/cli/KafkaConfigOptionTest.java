package dev.sieve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.SharedKafka;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `--kafka-config` reaches the clients: TLS against a plaintext broker must fail, the same run without it works. */
class KafkaConfigOptionTest {
    @TempDir
    Path tmp;

    @Test
    void settingsFromTheFileReachEveryClientButTheCommandLineBootstrapWins() throws Exception {
        Path file = tmp.resolve("client.properties");
        Files.writeString(file, "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nbootstrap.servers=elsewhere:9093\n");
        var values = KafkaSettings.SETTINGS.defaults().set(KafkaSettings.BOOTSTRAP_SERVERS, "127.0.0.1:9092")
                .set(KafkaSettings.KAFKA_CONFIG, file);
        var p = KafkaSettings.of(values).props("sieve-test");
        assertThat(p).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("bootstrap.servers", "127.0.0.1:9092").containsEntry("client.id", "sieve-test");
    }

    @Test
    void produceSpeaksTlsWhenTheFileSaysSo() throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        SharedKafka.broker().createTopics(1, "kafka-config.in");
        Path image = Files.writeString(tmp.resolve("a.png"), "not really");
        String[] base = {"produce", "-b", bootstrap, "--topic", "kafka-config.in", "--kafka-timeout-ms", "4000",
                "--progress", "none", image.toString()};
        assertThat(run(base)).as("plaintext, as the broker speaks").isZero();

        Path tls = tmp.resolve("tls.properties");
        Files.writeString(tls, "security.protocol=SSL\n");
        String[] withTls = new String[base.length + 2];
        System.arraycopy(base, 0, withTls, 0, base.length);
        withTls[base.length] = "--kafka-config";
        withTls[base.length + 1] = tls.toString();
        assertThat(run(withTls)).as("TLS to a plaintext listener cannot reach Kafka (exit 3)").isEqualTo(3);
    }

    @Test
    void aMissingFileIsAClearUsageError() {
        StringWriter err = new StringWriter();
        int rc = Sieve.commandLine().setErr(new PrintWriter(err, true))
                .execute("status", "--kafka-config", tmp.resolve("nope.properties").toString());
        assertThat(rc).isEqualTo(2);
        assertThat(err.toString()).contains("--kafka-config").contains("no such file");
    }

    private static int run(String... args) {
        return Sieve.commandLine().setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(new StringWriter()))
                .execute(args);
    }
}
