package dev.sieve.kafka;

import dev.sieve.config.Setting;
import dev.sieve.config.Setting.Accepts;
import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * What every Kafka client of a command starts from: the bootstrap servers, what the user's {@code --kafka-config} file
 * says (TLS, SASL, timeouts; as Kafka's own tools take {@code --command-config}), and the schema registry values are
 * written through, if any. Built once by the command and passed to wherever clients are made. Security is
 * configuration, not code: nothing here knows about TLS or SASL, it passes the file's keys through.
 *
 * @param bootstrapServers the command line's servers; they win over the file's {@code bootstrap.servers}
 * @param file             the client settings file's keys and values (empty without one)
 * @param schemaRegistry   Apicurio Registry that values are written through; empty: single-object encoding
 */
public record KafkaSettings(String bootstrapServers, Map<String, String> file, Optional<SchemaRegistry> schemaRegistry) {

    public static final Setting<String> BOOTSTRAP_SERVERS = Setting.text("bootstrap-servers", "localhost:9092")
            .shortName("-b").env("SIEVE_BOOTSTRAP_SERVERS").accepts(Accepts.notBlank())
            .doc("Kafka bootstrap servers, host:port[,host:port...].");
    public static final Setting<Path> KAFKA_CONFIG = Setting.path("kafka-config", null).noDefault("none (PLAINTEXT)")
            .env("SIEVE_KAFKA_CONFIG").paramLabel("FILE")
            .doc("Kafka client settings (a .properties file: security.protocol, ssl.*, sasl.*, timeouts...) for every "
                    + "producer, consumer, admin and Streams client of this command.");
    public static final Setting<String> SCHEMA_REGISTRY = Setting.text("schema-registry", null)
            .noDefault("none (single-object encoding, no registry)").env("SIEVE_SCHEMA_REGISTRY").paramLabel("URL")
            .doc("Write Avro values with Apicurio Registry's serdes against this registry (its v3 API root, e.g. "
                    + "http://registry:8080/apis/registry/v3) instead of single-object encoding; checked at start. "
                    + "Readers accept both framings.");
    /** The connection settings every Kafka-facing command has. */
    public static final Settings SETTINGS = Settings.of("kafka", BOOTSTRAP_SERVERS, KAFKA_CONFIG, SCHEMA_REGISTRY);

    public KafkaSettings {
        if (bootstrapServers == null || bootstrapServers.isBlank()) throw new IllegalArgumentException("bootstrap servers must be given");
        file = Map.copyOf(file);
    }

    /** Plain settings: these servers, no file, no registry. */
    public static KafkaSettings of(String bootstrapServers) {
        return new KafkaSettings(bootstrapServers, Map.of(), Optional.empty());
    }

    /**
     * The settings a command's values name: the file read now, the registry checked now (a registry that does not
     * answer stops the command before any record). A missing file or a registry that fails its check is a usage error.
     */
    public static KafkaSettings of(Values values) {
        Optional<SchemaRegistry> registry = Optional.ofNullable(values.get(SCHEMA_REGISTRY)).filter(s -> !s.isBlank())
                .map(SchemaRegistry::parse);
        try {
            registry.ifPresent(SchemaRegistry::check);
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return new KafkaSettings(values.get(BOOTSTRAP_SERVERS), read(values.get(KAFKA_CONFIG)), registry);
    }

    /** A new Properties with the file's settings and the bootstrap servers. */
    public Properties props() {
        Properties p = new Properties();
        p.putAll(file);
        p.put("bootstrap.servers", bootstrapServers);
        return p;
    }

    /** {@link #props} plus a client id, for the Admin clients made in one line. */
    public Properties props(String clientId) {
        Properties p = props();
        p.put("client.id", clientId);
        return p;
    }

    /**
     * A producer of sieve's output records: idempotent, acks from every replica, zstd, 5 ms linger (one place for the
     * worker, the share worker and rescore); the caller adds a transactional id where it writes in transactions.
     */
    public Properties outputProducer(String clientId) {
        Properties p = props(clientId);
        p.put("enable.idempotence", "true");
        p.put("acks", "all");
        p.put("linger.ms", "5");
        p.put("compression.type", "zstd");
        return p;
    }

    /** A serde that writes through this command's registry when it has one (and reads both framings). */
    public <T extends org.apache.avro.specific.SpecificRecord> AvroSerde<T> serde(Class<T> type) {
        return AvroSerde.of(type, schemaRegistry);
    }

    private static Map<String, String> read(Path file) {
        if (file == null) return Map.of();
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("--kafka-config " + file + ": no such file");
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException("--kafka-config " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String k : p.stringPropertyNames()) out.put(k, p.getProperty(k));
        return out;
    }
}
