package dev.sieve.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code --name value} options scripts/bench passes to a benchmark's main. Deliberately tiny: benchmarks are run
 * by the script, not by users, so a picocli command for each would be more code than the benchmark.
 */
record BenchOptions(Map<String, String> values) {

    static BenchOptions parse(String[] args) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) throw new IllegalArgumentException("expected --name value, got " + args[i]);
            String name = args[i].substring(2);
            String value = i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : "";
            values.put(name, value);
        }
        return new BenchOptions(Map.copyOf(values));
    }

    Path out() {
        return Path.of(values.getOrDefault("out", "target/bench"));
    }

    String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    int integer(String name, int fallback) {
        return values.containsKey(name) ? Integer.parseInt(values.get(name)) : fallback;
    }
}
