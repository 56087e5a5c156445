package dev.sieve.cli;

import picocli.CommandLine.Option;

/** Connection options every Kafka-facing subcommand shares (a picocli mixin). */
public final class KafkaOptions {
    @Option(names = {"-b", "--bootstrap-servers"}, defaultValue = "${env:SIEVE_BOOTSTRAP_SERVERS:-localhost:9092}",
            description = "Kafka bootstrap servers (env SIEVE_BOOTSTRAP_SERVERS). Default: ${DEFAULT-VALUE}.")
    public String bootstrapServers;
}
