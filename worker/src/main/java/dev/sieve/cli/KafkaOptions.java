package dev.sieve.cli;

import dev.sieve.kafka.KafkaClients;
import dev.sieve.kafka.SchemaRegistry;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Connection options every Kafka-facing subcommand shares (a picocli mixin). */
public final class KafkaOptions {
    @Option(names = {"-b", "--bootstrap-servers"}, defaultValue = "${env:SIEVE_BOOTSTRAP_SERVERS:-localhost:9092}",
            description = "Kafka bootstrap servers (env SIEVE_BOOTSTRAP_SERVERS). Default: ${DEFAULT-VALUE}.")
    public String bootstrapServers;

    /** Applied when parsed, so every client the command makes afterwards starts from these settings. */
    @Option(names = "--kafka-config", paramLabel = "FILE", defaultValue = "${env:SIEVE_KAFKA_CONFIG}",
            description = {"Kafka client settings (a .properties file: security.protocol, ssl.*, sasl.*, timeouts...)",
                    "for every producer, consumer, admin and Streams client of this command (env SIEVE_KAFKA_CONFIG).",
                    "Default: none (PLAINTEXT)."})
    void kafkaConfig(Path file) {
        KafkaClients.useSettings(file);
    }

    /** Applied when parsed, and checked at once: a registry that does not answer stops the command before any record. */
    @Option(names = "--schema-registry", paramLabel = "URL", defaultValue = "${env:SIEVE_SCHEMA_REGISTRY}",
            description = {"Write Avro values with Apicurio Registry's serdes against this registry (its v3 API root,",
                    "e.g. http://registry:8080/apis/registry/v3; env SIEVE_SCHEMA_REGISTRY) instead of single-object",
                    "encoding. Readers accept both framings. Default: none (single-object encoding, no registry)."})
    void schemaRegistry(String url) {
        if (url == null || url.isBlank()) {
            KafkaClients.useSchemaRegistry(null);
            return;
        }
        SchemaRegistry registry = SchemaRegistry.parse(url);
        registry.check();
        KafkaClients.useSchemaRegistry(registry);
    }
}
