package dev.sieve.export;

import dev.sieve.config.Setting;
import dev.sieve.config.Setting.Accepts;
import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import dev.sieve.fetch.FileRoot;
import dev.sieve.kafka.Topics;
import dev.sieve.sort.BucketNames;
import dev.sieve.sort.NearDuplicates;
import dev.sieve.sort.TagRules;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Options of the exporter; its settings (names, defaults, ranges, docs) are {@link #SETTINGS}.
 *
 * @param out folder that receives {@code <head>/<label>/} bucket folders, {@code report.txt} and {@code report.json}
 * @param buckets bucket topics to read (a regular expression matched against whole topic names)
 * @param fromScored read {@code scoredTopic} and tag with {@code rules} instead of reading bucket topics
 * @param scoredTopic the scored-images topic, read when {@code fromScored}
 * @param rules tag rules, used only when {@code fromScored} (the same rules as {@code sieve sort})
 * @param files how {@code file:} images enter bucket folders: symbolic link or copy
 * @param stallTimeout give up when reading makes no progress for this long
 * @param fileRoot the folder {@code file:} images must lie in, as the worker's {@code --file-root}; null: no
 *        {@code file:} image is linked or copied (each is listed in the manifest and in {@code problems.tsv})
 * @param nearDuplicateDistance perceptual hashes this close (bits) are one near-duplicate group ({@link NearDuplicates});
 *        0: none
 * @param onePerGroup {@code --dataset} keeps one image per near-duplicate group and head
 */
public record ExportConfig(Path out, Pattern buckets, boolean fromScored, String scoredTopic, TagRules rules,
                           FileMode files, Duration stallTimeout, Path fileRoot, int nearDuplicateDistance, boolean onePerGroup) {

    public enum FileMode { SYMLINK, COPY }

    /** Every bucket topic: {@link BucketNames#PREFIX} as a regular expression (a literal, so picocli can show it as a default). */
    public static final String ALL_BUCKETS = "images\\.bucket\\..*";

    public static final Setting<Path> OUT = Setting.path("out", "buckets").shortName("-o").doc("Output folder.");
    public static final Setting<String> BUCKETS = Setting.text("buckets", ALL_BUCKETS)
            .accepts(Accepts.where(ExportConfig::isRegex, "a regular expression"))
            .doc("Regular expression of the bucket topics to read (whole names); the default is every bucket.");
    public static final Setting<Boolean> FROM_SCORED = Setting.flag("from-scored")
            .doc("Read the scored topic instead and tag with --threshold/--score-bands, as `sieve sort` would.");
    public static final Setting<String> SCORED_TOPIC = Setting.text("scored-topic", Topics.SCORED).accepts(Accepts.notBlank())
            .doc("The scored topic, for --from-scored.");
    public static final Setting<Boolean> COPY = Setting.flag("copy")
            .doc("Copy file: images into bucket folders instead of linking them (symbolic links by default).");
    public static final Setting<Long> STALL_TIMEOUT_MS = Setting.longValue("stall-timeout-ms", 30_000).accepts(Accepts.atLeast(1L))
            .doc("Give up when reading makes no progress for this long.");

    public static final Setting<Boolean> ONE_PER_GROUP = Setting.flag("one-per-group")
            .doc("With --dataset: keep one image per near-duplicate group (--near-duplicate-distance) and head, the group's "
                    + "smallest id among those the head gives a class; the others are left out and counted.");

    public static final Settings SETTINGS = Settings.of("export", OUT, BUCKETS, FROM_SCORED, SCORED_TOPIC, COPY,
            STALL_TIMEOUT_MS, FileRoot.READ_ROOT, NearDuplicates.DISTANCE, ONE_PER_GROUP);

    public ExportConfig {
        Objects.requireNonNull(out, "--out");
        Objects.requireNonNull(buckets, "--buckets");
        Objects.requireNonNull(rules, "rules");
        Objects.requireNonNull(files, "files");
        SCORED_TOPIC.require(scoredTopic);
        STALL_TIMEOUT_MS.require(stallTimeout.toMillis());
        NearDuplicates.DISTANCE.require(nearDuplicateDistance);
        FileRoot.of(fileRoot); // a missing folder is an error now, not a refusal of every image later
    }

    /** The exporter's settings of {@code values}, tagging with {@code rules} when it reads the scored topic. */
    public static ExportConfig of(Values values, TagRules rules) {
        return new ExportConfig(values.get(OUT), Pattern.compile(values.get(BUCKETS)), values.get(FROM_SCORED),
                values.get(SCORED_TOPIC), rules, values.get(COPY) ? FileMode.COPY : FileMode.SYMLINK,
                Duration.ofMillis(values.get(STALL_TIMEOUT_MS)), absolute(values.get(FileRoot.READ_ROOT)),
                values.get(NearDuplicates.DISTANCE), values.get(ONE_PER_GROUP));
    }

    public static ExportConfig defaults() {
        return of(SETTINGS.defaults(), TagRules.defaults());
    }

    /** This config reading {@code scoredTopic} and tagging with {@code rules} instead of reading bucket topics. */
    public ExportConfig fromScored(String scoredTopic, TagRules rules) {
        return new ExportConfig(out, buckets, true, scoredTopic, rules, files, stallTimeout, fileRoot, nearDuplicateDistance,
                onePerGroup);
    }

    static Path absolute(Path folder) {
        return folder == null ? null : folder.toAbsolutePath();
    }

    private static boolean isRegex(String s) {
        try {
            Pattern.compile(s);
            return true;
        } catch (PatternSyntaxException e) {
            return false;
        }
    }
}
