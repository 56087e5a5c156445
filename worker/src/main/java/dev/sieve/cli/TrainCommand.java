package dev.sieve.cli;

import dev.sieve.config.Settings;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.Topics;
import dev.sieve.train.HeadTraining;
import dev.sieve.train.TrainingRecipe;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The next revision of a classifier head from the kept embeddings and the curated buckets. */
@Command(name = "train", mixinStandardHelpOptions = true, modelTransformer = SettingOptions.Install.class,
        description = {"Trains the next revision of a classifier head, city96's train.py recipe on CPU, from images.embeddings "
                + "and the curated classes (bucket membership with every correction applied; excluded images left out). "
                + "Writes <name>-v<next>.safetensors + .config.json in city96's format and prints, on a held-out stratified "
                + "split, per-class precision/recall and the confusion matrix of the previous revision and the new one."})
public final class TrainCommand extends ConfiguredCommand {
    /** The Kafka client settings; the rest are picocli's own options. */
    static final Settings SETTINGS = Settings.of("train", KafkaSettings.SETTINGS);

    public TrainCommand() {
        super(SETTINGS);
    }

    @Mixin
    TagRuleOptions tags;

    @Option(names = "--head", required = true, paramLabel = "FILE",
            description = "The current revision: <name>.safetensors with its .config.json beside it (labels and sizes come from there).")
    Path head;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Where the new revision goes. Default: the current revision's folder.")
    Path out;

    @Option(names = "--revision", description = "The new revision's name. Default: the current one counted up (v1.16 -> v1.17).")
    String revision;

    @Option(names = "--lr", defaultValue = "1.5e-6", description = "Initial learning rate (cosine to 0). Default: ${DEFAULT-VALUE} (city96's CCAnime-ChromaticAberration).")
    double lr;

    @Option(names = "--steps", defaultValue = "30000", description = "Samples seen in all (city96's steps). Default: ${DEFAULT-VALUE}.")
    long steps;

    @Option(names = "--batch", defaultValue = "1", description = "Samples per update. Default: ${DEFAULT-VALUE} (city96's).")
    int batch;

    @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW's weight decay. Default: ${DEFAULT-VALUE} (torch's).")
    double weightDecay;

    @Option(names = "--class-weights", split = ",", paramLabel = "W,W,...",
            description = "Loss weight per label, in label order (city96's labels.N.loss). Default: 1 each.")
    List<Double> classWeights = new ArrayList<>();

    @Option(names = "--seed", defaultValue = "0", description = "Seed for order, crops, dropout (and the split). Default: ${DEFAULT-VALUE} (train.py's).")
    long seed;

    @Option(names = "--from-scratch", description = "Start from torch's default initialisation, not from the current revision's weights.")
    boolean fromScratch;

    @Option(names = "--held-out", defaultValue = "0.2", description = "Share of each class kept out of training for the comparison. Default: ${DEFAULT-VALUE}.")
    double heldOut;

    @Option(names = "--scored-topic", defaultValue = Topics.SCORED, description = "Default: ${DEFAULT-VALUE}.")
    String scoredTopic;

    @Option(names = "--corrections-topic", defaultValue = Topics.CORRECTIONS, description = "Default: ${DEFAULT-VALUE}.")
    String correctionsTopic;

    @Option(names = "--embeddings-topic", defaultValue = Topics.EMBEDDINGS, description = "Default: ${DEFAULT-VALUE}.")
    String embeddingsTopic;

    @Option(names = "--stall-timeout-ms", defaultValue = "30000", description = "Give up reading when nothing moves for this long. Default: ${DEFAULT-VALUE}.")
    long stallTimeoutMs;

    @Override
    public Integer call() throws IOException {
        KafkaSettings kafka = KafkaSettings.of(values());
        HeadTraining.Config config;
        try {
            TrainingRecipe recipe = new TrainingRecipe(lr, steps, batch, weightDecay, classWeights, seed, fromScratch);
            Path folder = out != null ? out : head.toAbsolutePath().getParent();
            config = new HeadTraining.Config(kafka.bootstrapServers(), scoredTopic, correctionsTopic, embeddingsTopic, head, folder,
                    revision, recipe, heldOut, seed, tags.rules(), Duration.ofMillis(stallTimeoutMs));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        HeadTraining.Result result = HeadTraining.run(config, kafka, System.out);
        System.out.printf("%nheld out (%d images), previous revision %s:%n%s", result.heldOutImages(), head.getFileName(), result.before().table());
        System.out.printf("new revision %s:%n%s", result.weights().getFileName(), result.after().table());
        return 0;
    }
}
