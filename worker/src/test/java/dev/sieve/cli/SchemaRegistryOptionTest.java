package dev.sieve.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sieve.avro.ImageRef;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.SchemaRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * {@code --schema-registry}: what can be checked without a registry. The registry itself is exercised by
 * RegistryKafkaContainerTest, which needs Docker.
 */
class SchemaRegistryOptionTest {
    @Test
    void withoutTheOptionValuesAreSingleObjectEncoded() {
        KafkaSettings kafka = KafkaSettings.of(StatusCommand.SETTINGS.resolve(java.util.Map.of(), java.util.Map.of()));
        assertThat(kafka.schemaRegistry()).isEmpty();
        byte[] bytes = kafka.serde(ImageRef.class).encode(ref());
        // The Avro specification's single-object marker.
        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
    }

    @Test
    void anUnreachableRegistryStopsTheCommandWithTheReason() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        StringWriter err = new StringWriter();
        int rc = Sieve.commandLine().setErr(new PrintWriter(err, true))
                .execute("status", "--schema-registry", "http://127.0.0.1:" + port + "/apis/registry/v3");
        assertThat(rc).isEqualTo(2);
        assertThat(err.toString()).contains("schema registry http://127.0.0.1:" + port + "/apis/registry/v3")
                .contains("cannot connect");
    }

    @Test
    void aRegistryThatNeverAnswersFailsWithinTheCheckTimeout() throws Exception {
        // Accepts the connection (the kernel's backlog does) and never writes a byte.
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            SchemaRegistry registry = SchemaRegistry.parse("http://127.0.0.1:" + silent.getLocalPort() + "/apis/registry/v3");
            assertThatThrownBy(registry::check).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no answer within 5 s");
        }
    }

    @Test
    void aServerThatIsNotARegistryIsNamedAsSuch() throws Exception {
        try (ServerSocket http = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread answer = new Thread(() -> {
                try (Socket s = http.accept()) {
                    s.getInputStream().read(new byte[4096]);
                    s.getOutputStream().write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes());
                } catch (Exception ignored) {
                    // the assertion below reports what the client saw
                }
            }, "not-a-registry");
            answer.start();
            SchemaRegistry registry = SchemaRegistry.parse("http://127.0.0.1:" + http.getLocalPort() + "/");
            assertThatThrownBy(registry::check).hasMessageContaining("answered HTTP 404")
                    .hasMessageContaining("/system/info");
            answer.join(10_000);
        }
    }

    @Test
    void urlsThatCannotBeARegistryAreRejected() {
        assertThatThrownBy(() -> SchemaRegistry.parse("registry:8080")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected http(s)://host:port/apis/registry/v3");
        assertThatThrownBy(() -> SchemaRegistry.parse("ftp://registry/apis/registry/v3")).hasMessageContaining("expected http(s)");
        assertThatThrownBy(() -> SchemaRegistry.parse("http://bad host/")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("schema registry URL");
        assertThat(SchemaRegistry.parse("http://registry:8080/apis/registry/v3/").url())
                .hasToString("http://registry:8080/apis/registry/v3");
    }

    @Test
    void serdeSettingsNameArtifactsAfterTheRecordAndReturnGeneratedClasses() {
        Map<String, Object> config = SchemaRegistry.parse("http://registry:8080/apis/registry/v3").serdeConfig();
        assertThat(config).containsEntry("apicurio.registry.url", "http://registry:8080/apis/registry/v3")
                .containsEntry("apicurio.registry.auto-register", "true")
                .containsEntry("apicurio.registry.artifact-resolver-strategy",
                        "io.apicurio.registry.serde.avro.strategy.RecordIdStrategy")
                .containsEntry("apicurio.registry.use-specific-avro-reader", "true");
        // The strategy named must be a class Apicurio ships (a typo would only show at the first record).
        assertThat(classExists((String) config.get("apicurio.registry.artifact-resolver-strategy"))).isTrue();
    }

    @Test
    void aRegistryFramedRecordWithoutARegistryIsAClearError() {
        byte[] registryFramed = {0, 0, 0, 0, 0, 0, 0, 0, 42, 2, 'a'};
        assertThatThrownBy(() -> AvroSerde.of(ImageRef.class).decode(registryFramed))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("schema-registry-framed ImageRef").hasMessageContaining("--schema-registry URL");
    }

    private static boolean classExists(String name) {
        try {
            Class.forName(name);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static ImageRef ref() {
        return new ImageRef("id", "https://example.org/a.jpg", "", Map.of(), Instant.EPOCH, 0);
    }
}
