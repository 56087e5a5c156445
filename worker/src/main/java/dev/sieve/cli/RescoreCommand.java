package dev.sieve.cli;

import ai.djl.Device;
import dev.sieve.StageException;
import dev.sieve.avro.CropCombine;
import dev.sieve.config.Settings;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.Topics;
import dev.sieve.model.CityHead;
import dev.sieve.model.HeadSet;
import dev.sieve.rescore.Rescorer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** images.embeddings → heads → images.scored, without fetching an image or running CLIP. */
@Command(name = "rescore", mixinStandardHelpOptions = true, modelTransformer = SettingOptions.Install.class,
        description = {"Runs the given heads on every image's kept embeddings (images.embeddings, read to its current end) and "
                + "writes ScoredImage records carrying their revisions to images.scored, exactly once per --group (each poll's "
                + "records and offsets in one transaction). A running `sieve sort` then moves what changed; corrections still win."})
public final class RescoreCommand extends ConfiguredCommand {
    /** The Kafka client settings; the rest are picocli's own options. */
    static final Settings SETTINGS = Settings.of("rescore", KafkaSettings.SETTINGS);

    public RescoreCommand() {
        super(SETTINGS);
    }

    @Option(names = "--head", required = true, paramLabel = "FILE", description = "A city96 head (.safetensors + .config.json). Repeatable.")
    List<Path> heads = new ArrayList<>();

    @Option(names = "--combine", defaultValue = "MEAN", description = "How the five crops combine: MEAN, MEDIAN, MAX or MIN. Default: ${DEFAULT-VALUE}.")
    CropCombine combine;

    @Option(names = "--combine-head", paramLabel = "HEAD=RULE", description = "Crop combination for one head, overriding --combine. Repeatable.")
    Map<String, CropCombine> combineHead = new LinkedHashMap<>();

    @Option(names = "--group", description = "Consumer group the progress is committed in: the same group resumes, a new one starts over. "
            + "Default: sieve-rescore-<head names>.")
    String group;

    @Option(names = "--batch", defaultValue = "2000", description = "Images per poll and transaction. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--embeddings-topic", defaultValue = Topics.EMBEDDINGS, description = "Default: ${DEFAULT-VALUE}.")
    String embeddingsTopic;

    @Option(names = "--scored-topic", defaultValue = Topics.SCORED, description = "Default: ${DEFAULT-VALUE}.")
    String scoredTopic;

    @Option(names = "--stall-timeout-ms", defaultValue = "30000", description = "Give up when nothing moves for this long. Default: ${DEFAULT-VALUE}.")
    long stallTimeoutMs;

    @Override
    public Integer call() throws IOException, StageException {
        List<CityHead> loaded = new ArrayList<>();
        try {
            for (Path h : heads) loaded.add(CityHead.load(h, Device.cpu()));
            HeadSet set;
            KafkaSettings kafka = KafkaSettings.of(values());
            Rescorer.Config config;
            try {
                set = new HeadSet(loaded, combine, combineHead);
                String groupId = group != null ? group : "sieve-rescore-" + String.join("+", loaded.stream().map(CityHead::name).toList());
                config = new Rescorer.Config(kafka.bootstrapServers(), embeddingsTopic, scoredTopic, groupId,
                        "rescore@" + ProcessHandle.current().pid(), batch, Duration.ofMillis(stallTimeoutMs));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage(), e);
            }
            Rescorer.Result r = new Rescorer(config, set, kafka).run(System.out);
            System.out.printf("rescored %d images with %s in %.1f s (%.0f images/s), %d skipped, %d transactions%n",
                    r.rescored(), loaded.stream().map(CityHead::name).toList(), r.seconds(), r.imagesPerSecond(), r.skipped(), r.transactions());
            return 0;
        } finally {
            loaded.forEach(CityHead::close);
        }
    }
}
