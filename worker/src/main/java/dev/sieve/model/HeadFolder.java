package dev.sieve.model;

import ai.djl.Device;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A folder of city96 heads ({@code <name>.safetensors} + {@code <name>.config.json}), where {@code sieve train} writes
 * each new revision beside the last. Per head family only the newest revision counts: the worker scores with it at
 * start, and {@link HeadWatcher} swaps it in when a newer one appears.
 */
public final class HeadFolder {
    private HeadFolder() {}

    /**
     * One {@code .safetensors} file and what its config says.
     *
     * @param revision the config's rev ("" without a config, or when the config cannot be read)
     * @param family   the name without {@code -<revision>}; with an unreadable config, a guess (the name up to its last '-')
     * @param stamp    sizes and modification times of both files: a changed file is a new candidate
     * @param problem  why the config cannot be read; null when it can (or there is none)
     */
    public record Candidate(Path weights, String name, String revision, String family, String stamp, String problem) {}

    /** Every {@code *.safetensors} in {@code dir}, by name. */
    public static List<Candidate> scan(Path dir) throws IOException {
        List<Candidate> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.safetensors")) {
            for (Path weights : files) out.add(candidate(weights));
        }
        out.sort(Comparator.comparing(Candidate::name));
        return out;
    }

    /** Per family, the candidate with the highest revision ({@link HeadRevision#ORDER}), in name order. */
    public static List<Candidate> newest(List<Candidate> candidates) {
        Map<String, Candidate> best = new LinkedHashMap<>();
        for (Candidate c : candidates) {
            best.merge(c.family(), c, (a, b) -> HeadRevision.compare(b.revision(), a.revision()) > 0 ? b : a);
        }
        return best.values().stream().sorted(Comparator.comparing(Candidate::name)).toList();
    }

    /**
     * Loads, per family, the newest revision that loads: a broken newest file is logged and the one before it tried, so
     * a restart never fails on a file the running worker refused. Fails only when no revision of a family loads.
     */
    public static List<CityHead> loadNewest(Path dir, Device device, PrintStream log) throws IOException {
        Map<String, List<Candidate>> byFamily = new TreeMap<>();
        for (Candidate c : scan(dir)) byFamily.computeIfAbsent(c.family(), f -> new ArrayList<>()).add(c);
        List<CityHead> heads = new ArrayList<>();
        try {
            for (List<Candidate> family : byFamily.values()) {
                family.sort(Comparator.comparing(Candidate::revision, HeadRevision.ORDER).reversed());
                IOException first = null;
                for (Candidate c : family) {
                    try {
                        heads.add(CityHead.load(c.weights(), device));
                        first = null;
                        break;
                    } catch (IOException e) {
                        if (first == null) first = e;
                        log.printf("head %s not loaded (%s); trying the revision before it%n", c.weights(), e.getMessage());
                    }
                }
                if (first != null) throw first;
            }
        } catch (IOException | RuntimeException e) {
            heads.forEach(CityHead::close);
            throw e;
        }
        heads.sort(Comparator.comparing(CityHead::name));
        return heads;
    }

    private static Candidate candidate(Path weights) throws IOException {
        String file = weights.getFileName().toString();
        String name = file.substring(0, file.length() - ".safetensors".length());
        Path config = weights.resolveSibling(name + ".config.json");
        String stamp = stamp(weights) + "," + stamp(config);
        if (!Files.isRegularFile(config)) return new Candidate(weights, name, "", name, stamp, null);
        try {
            String revision = HeadConfig.read(config).revision();
            return new Candidate(weights, name, revision, HeadRevision.family(name, revision), stamp, null);
        } catch (IOException e) {
            int dash = name.lastIndexOf('-');
            return new Candidate(weights, name, "", dash > 0 ? name.substring(0, dash) : name, stamp, e.getMessage());
        }
    }

    private static String stamp(Path file) {
        try {
            return Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            return "absent";
        }
    }
}
