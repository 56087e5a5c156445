package dev.sieve.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The sieve_* metric names that ops/ (alerts, dashboard) and the READMEs refer to. */
public final class OpsMetricNames {
    public static final Path REPO = Path.of(System.getProperty("sieve.repo", "..")).toAbsolutePath().normalize();
    private static final Pattern NAME = Pattern.compile("\\bsieve_[a-z0-9_]+");

    private OpsMetricNames() {}

    /** Every sieve_* token in ops/ (YAML and JSON) and docker/ + ops/ READMEs. */
    public static Set<String> used() {
        Set<String> names = new TreeSet<>();
        for (Path dir : new Path[] {REPO.resolve("ops"), REPO.resolve("docker")}) {
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> files = Files.walk(dir)) {
                // ops/validate/node_modules (npm packages ops/check installs) is not ours.
                for (Path f : files.filter(Files::isRegularFile).filter(OpsMetricNames::textual)
                        .filter(f -> !f.toString().contains("node_modules")).toList()) {
                    Matcher m = NAME.matcher(Files.readString(f));
                    while (m.find()) names.add(m.group());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return names;
    }

    private static boolean textual(Path f) {
        String n = f.getFileName().toString();
        return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json") || n.endsWith(".md");
    }
}
