package dev.sieve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.avro.ScoredImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.sort.BucketNames;
import dev.sieve.sort.ScoredImages;
import dev.sieve.sort.SortConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class SortExportCommandsTest {

    private record Run(int exitCode, String out, String err) {}

    private static Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void everyOptionHasADescriptionThatStatesItsDefault() {
        for (Object command : new Object[] {new SortCommand(), new ExportCommand()}) {
            CommandLine cli = new CommandLine(command);
            for (OptionSpec option : cli.getCommandSpec().options()) {
                if (option.usageHelp() || option.versionHelp()) continue;
                assertThat(String.join(" ", option.description())).as(option.longestName()).contains("Default");
            }
            assertThat(run(command, "--help").out()).contains("--bootstrap-servers", "--threshold", "--score-bands");
        }
    }

    @Test
    void sortDefaultsAreTheSortersDefaults() {
        SortCommand command = new SortCommand();
        new CommandLine(command).parseArgs();
        assertThat(command.config()).isEqualTo(SortConfig.defaults());
    }

    @Test
    void sortReadsItsOptions() {
        SortCommand command = new SortCommand();
        new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true).parseArgs("--threshold", "h:JPEG=0.7", "--processing-guarantee",
                "at_least_once", "--application-id", "s2", "--bucket-partitions", "3");
        SortConfig config = command.config();
        assertThat(config.guarantee()).isEqualTo(SortConfig.Guarantee.AT_LEAST_ONCE);
        assertThat(config.applicationId()).isEqualTo("s2");
        assertThat(config.bucketPartitions()).isEqualTo(3);
        assertThat(config.rules().thresholds()).isEqualTo(Map.of("h", Map.of("JPEG", 0.7)));
    }

    @Test
    void aBadOptionIsAUsageErrorNamingTheOptionAndValue() {
        Run sort = run(new SortCommand(), "--threshold", "nope");
        assertThat(sort.exitCode()).isEqualTo(2);
        assertThat(sort.err()).contains("--threshold 'nope'");
        Run export = run(new ExportCommand(), "--threshold", "h:a=0.5");
        assertThat(export.exitCode()).isEqualTo(2);
        assertThat(export.err()).contains("only with --from-scored");
        assertThat(run(new ExportCommand(), "--buckets", "(").err()).contains("--buckets '('");
        Run noRoot = run(new ExportCommand(), "--file-root", "/nonexistent/sieve-root");
        assertThat(noRoot.exitCode()).isEqualTo(2);
        assertThat(noRoot.err()).contains("/nonexistent/sieve-root");
        Run groupsWithoutDataset = run(new ExportCommand(), "--one-per-group");
        assertThat(groupsWithoutDataset.exitCode()).isEqualTo(2);
        assertThat(groupsWithoutDataset.err()).contains("--one-per-group applies only with --dataset");
        assertThat(run(new ExportCommand(), "--near-duplicate-distance", "33").err()).contains("--near-duplicate-distance 33");
    }

    @Test
    void exportWritesBucketFoldersAndTheReport(@TempDir Path dir) throws Exception {
        Path image = Files.writeString(dir.resolve("x.png"), "x");
        String topic = BucketNames.topic("cli-head", "Yes");
        SharedKafka.broker().createTopics(1, topic);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedKafka.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            ScoredImage scored = ScoredImages.of("x", image.toUri().toString()).classifier("cli-head", "Yes", 0.75, "No", 0.25).build();
            producer.send(new ProducerRecord<>(topic, "x", AvroSerde.of(ScoredImage.class).encode(scored))).get();
        }
        Path out = dir.resolve("out");
        Run export = run(new ExportCommand(), "-b", SharedKafka.bootstrapServers(), "-o", out.toString(), "--buckets", "images\\.bucket\\.cli-.*",
                "--file-root", dir.toString());
        assertThat(export.exitCode()).isZero();
        assertThat(Files.readSymbolicLink(out.resolve("cli-head/Yes/x.png"))).isEqualTo(image.toRealPath());
        assertThat(Files.readString(out.resolve("report.txt"))).contains("1 images in dataset.\ncli-head/Yes - 1 " + "|".repeat(40) + "\n");
    }
}
