package dev.sieve.cli;

import dev.sieve.export.DatasetExport;
import dev.sieve.export.ExportConfig;
import dev.sieve.export.Exporter;
import dev.sieve.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sieve export}: bucket topics to bucket folders and a distribution report, once. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Reads bucket topics (or images.scored with --from-scored) from the beginning to their current end, then writes "
                + "<out>/<head>/<label>/ with a link (or copy) per file: image under --file-root named <id><ext>, a manifest.tsv "
                + "(id, uri, probability) per bucket, report.txt / report.json with the distribution, and problems.tsv with every "
                + "file: image not placed and why. Each image enters a bucket once."})
public final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    TagRuleOptions tags;

    @Mixin
    FileRootOption fileRoot;

    @Option(names = {"-o", "--out"}, defaultValue = "buckets", description = "Output folder. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--buckets", defaultValue = ExportConfig.ALL_BUCKETS,
            description = "Regular expression of the bucket topics to read (whole names). Default: ${DEFAULT-VALUE} (every bucket).")
    String buckets;

    @Option(names = "--from-scored", defaultValue = "false",
            description = "Read the scored topic instead and tag with --threshold/--score-bands, as `sieve sort` would. Default: ${DEFAULT-VALUE}.")
    boolean fromScored;

    @Option(names = "--scored-topic", defaultValue = Topics.SCORED, description = "The scored topic, for --from-scored. Default: ${DEFAULT-VALUE}.")
    String scoredTopic;

    @Option(names = "--dataset", defaultValue = "false",
            description = "Write city96's training layout instead: <out>/<head>/<index>_<label>/<id><ext> per classifier head, from the "
                    + "scored topic (tagged with --threshold, top label by default) with reviewers' corrections applied, and a "
                    + "report.txt per head with the class ratios. Default: ${DEFAULT-VALUE}.")
    boolean dataset;

    @Option(names = "--corrections-topic", defaultValue = Topics.CORRECTIONS,
            description = "Reviewers' corrections, applied by --dataset. Default: ${DEFAULT-VALUE}.")
    String correctionsTopic;

    @Option(names = "--copy", defaultValue = "false",
            description = "Copy file: images into bucket folders instead of linking them. Default: ${DEFAULT-VALUE} (symbolic links).")
    boolean copy;

    @Option(names = "--stall-timeout-ms", defaultValue = "30000",
            description = "Give up when reading makes no progress for this long. Default: ${DEFAULT-VALUE}.")
    long stallTimeoutMs;

    ExportConfig config() {
        try {
            if (!fromScored && !dataset && !tags.isDefault()) {
                throw new IllegalArgumentException("--threshold and --score-bands apply only with --from-scored or --dataset "
                        + "(bucket topics were already tagged by `sieve sort`)");
            }
            Pattern pattern;
            try {
                pattern = Pattern.compile(buckets);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("--buckets '" + buckets + "': not a regular expression: " + e.getDescription());
            }
            return new ExportConfig(out, pattern, fromScored, scoredTopic, tags.rules(),
                    copy ? ExportConfig.FileMode.COPY : ExportConfig.FileMode.SYMLINK, Duration.ofMillis(stallTimeoutMs), fileRoot.folder());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    @Override
    public Integer call() {
        if (dataset) {
            DatasetExport.run(config(), correctionsTopic, kafka.bootstrapServers, System.out);
        } else {
            Exporter.run(config(), kafka.bootstrapServers);
        }
        return 0;
    }
}
