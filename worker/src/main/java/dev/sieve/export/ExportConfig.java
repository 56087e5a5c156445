package dev.sieve.export;

import dev.sieve.fetch.FileRoot;
import dev.sieve.kafka.Topics;
import dev.sieve.sort.BucketNames;
import dev.sieve.sort.TagRules;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Options of the exporter.
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
 */
public record ExportConfig(Path out, Pattern buckets, boolean fromScored, String scoredTopic, TagRules rules,
                           FileMode files, Duration stallTimeout, Path fileRoot) {

    public enum FileMode { SYMLINK, COPY }

    /** Every bucket topic: {@link BucketNames#PREFIX} as a regular expression (a literal, so picocli can show it as a default). */
    public static final String ALL_BUCKETS = "images\\.bucket\\..*";

    public ExportConfig {
        Objects.requireNonNull(out, "--out");
        Objects.requireNonNull(buckets, "--buckets");
        Objects.requireNonNull(rules, "rules");
        Objects.requireNonNull(files, "files");
        if (scoredTopic == null || scoredTopic.isBlank()) throw new IllegalArgumentException("--scored-topic must not be empty");
        if (stallTimeout == null || stallTimeout.isNegative() || stallTimeout.isZero()) {
            throw new IllegalArgumentException("--stall-timeout-ms " + (stallTimeout == null ? null : stallTimeout.toMillis()) + ": must be > 0");
        }
        FileRoot.of(fileRoot); // a missing folder is an error now, not a refusal of every image later
    }

    public static ExportConfig defaults() {
        return new ExportConfig(Path.of("buckets"), Pattern.compile(ALL_BUCKETS), false, Topics.SCORED, TagRules.defaults(),
                FileMode.SYMLINK, Duration.ofSeconds(30), null);
    }

    public ExportConfig withOut(Path out) {
        return new ExportConfig(out, buckets, fromScored, scoredTopic, rules, files, stallTimeout, fileRoot);
    }

    public ExportConfig withBuckets(Pattern buckets) {
        return new ExportConfig(out, buckets, fromScored, scoredTopic, rules, files, stallTimeout, fileRoot);
    }

    public ExportConfig fromScored(String scoredTopic, TagRules rules) {
        return new ExportConfig(out, buckets, true, scoredTopic, rules, files, stallTimeout, fileRoot);
    }

    public ExportConfig withFiles(FileMode files) {
        return new ExportConfig(out, buckets, fromScored, scoredTopic, rules, files, stallTimeout, fileRoot);
    }

    public ExportConfig withFileRoot(Path fileRoot) {
        return new ExportConfig(out, buckets, fromScored, scoredTopic, rules, files, stallTimeout, fileRoot);
    }
}
