package dev.sieve.kafka;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * The settings every Kafka client of this process starts from: the bootstrap servers, plus what the user's
 * {@code --kafka-config} file says (TLS, SASL, timeouts), as Kafka's own tools take {@code --command-config}.
 * Security is configuration, not code: nothing here knows about TLS or SASL, it passes the file's keys through.
 */
public final class KafkaClients {
    private static volatile Properties fileSettings = new Properties();
    private static volatile SchemaRegistry schemaRegistry;

    private KafkaClients() {}

    /** Reads client settings from a properties file for every client made after this call; null forgets them. */
    public static void useSettings(Path file) {
        if (file == null) {
            fileSettings = new Properties();
            return;
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--kafka-config " + file + ": no such file");
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException("--kafka-config " + file + ": " + e.getMessage(), e);
        }
        fileSettings = p;
    }

    /**
     * Writes every Avro value of this process through Apicurio's serdes against {@code registry} from now on; null goes
     * back to single-object encoding (the default). Readers accept both framings either way (see {@link AvroSerde}).
     */
    public static void useSchemaRegistry(SchemaRegistry registry) {
        schemaRegistry = registry;
    }

    public static Optional<SchemaRegistry> schemaRegistry() {
        return Optional.ofNullable(schemaRegistry);
    }

    /** A new Properties with the file's settings and {@code bootstrap} (the command line's servers win). */
    public static Properties props(String bootstrap) {
        Properties p = new Properties();
        p.putAll(fileSettings);
        p.put("bootstrap.servers", bootstrap);
        return p;
    }

    /** {@link #props} plus a client id, for the Admin clients made in one line. */
    public static Properties props(String bootstrap, String clientId) {
        Properties p = props(bootstrap);
        p.put("client.id", clientId);
        return p;
    }
}
