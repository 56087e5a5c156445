package dev.sieve.cli;

import dev.sieve.config.Setting;
import dev.sieve.config.Setting.Accepts;
import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import dev.sieve.export.DatasetExport;
import dev.sieve.export.ExportConfig;
import dev.sieve.export.Exporter;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;

/** {@code sieve export}: bucket topics to bucket folders and a distribution report, once. */
@Command(name = "export", mixinStandardHelpOptions = true, modelTransformer = SettingOptions.Install.class,
        description = {"Reads bucket topics (or images.scored with --from-scored) from the beginning to their current end, then writes "
                + "<out>/<head>/<label>/ with a link (or copy) per file: image under --file-root named <id><ext>, a manifest.tsv "
                + "(id, uri, probability, near_duplicate_group) per bucket, report.txt / report.json with the distribution, and problems.tsv with every "
                + "file: image not placed and why. Each image enters a bucket once."})
public final class ExportCommand extends ConfiguredCommand {
    static final Setting<Boolean> DATASET = Setting.flag("dataset")
            .doc("Write city96's training layout instead: <out>/<head>/<index>_<label>/<id><ext> per classifier head, from "
                    + "the scored topic (tagged with --threshold, top label by default) with reviewers' corrections applied, "
                    + "and a report.txt per head with the class ratios; --one-per-group keeps one image per near-duplicate group.");
    static final Setting<String> CORRECTIONS_TOPIC = Setting.text("corrections-topic", Topics.CORRECTIONS)
            .accepts(Accepts.notBlank()).doc("Reviewers' corrections, applied by --dataset.");

    /** Every setting of {@code sieve export}; --threshold and --score-bands are TagRuleOptions' own options. */
    static final Settings SETTINGS = Settings.of("export", KafkaSettings.SETTINGS, ExportConfig.SETTINGS, DATASET,
            CORRECTIONS_TOPIC);

    public ExportCommand() {
        super(SETTINGS);
    }

    @Mixin
    TagRuleOptions tags;

    ExportConfig config(Values values) {
        try {
            if (!values.get(ExportConfig.FROM_SCORED) && !values.get(DATASET) && !tags.isDefault()) {
                throw new IllegalArgumentException("--threshold and --score-bands apply only with --from-scored or --dataset "
                        + "(bucket topics were already tagged by `sieve sort`)");
            }
            if (values.get(ExportConfig.ONE_PER_GROUP) && !values.get(DATASET)) {
                throw new IllegalArgumentException("--one-per-group applies only with --dataset (bucket folders list every image, "
                        + "with its near-duplicate group in manifest.tsv)");
            }
            return ExportConfig.of(values, tags.rules());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    @Override
    public Integer call() {
        Values values = values();
        ExportConfig config = config(values);
        KafkaSettings kafka = KafkaSettings.of(values);
        if (values.get(DATASET)) {
            DatasetExport.run(config, values.get(CORRECTIONS_TOPIC), kafka, System.out);
        } else {
            Exporter.run(config, kafka);
        }
        return 0;
    }
}
