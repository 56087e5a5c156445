package dev.sieve.bench;

import dev.sieve.fetch.ReferenceParsingFuzzTest;
import dev.sieve.fuzz.SeededFuzzing;
import dev.sieve.image.decode.ImageDecodingFuzzTest;
import dev.sieve.kafka.ImageRefDecodingFuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The long fuzz run ({@code scripts/bench fuzz}): each target in its own JVM with a small heap, for a while.
 * <ul>
 *   <li>default: Jazzer's standalone driver (libFuzzer, coverage-guided; sieve's classes and Avro instrumented),
 *       starting from the target's seeds, with a per-input timeout and an RSS limit; an OutOfMemoryError, a timeout
 *       or any exception the target lets out is a finding, its input written under {@code target/bench/fuzz/NAME/};
 *   <li>{@code --seeded}: the seeded mutation loop of {@code mvn verify} ({@link SeededFuzzing}) for the same time,
 *       with a random seed (printed, to replay).
 * </ul>
 * Options: {@code --seconds N} per target (default 120), {@code --heap SIZE} (default 512m), {@code --seeded},
 * then target names (imageref, image, reference; default all). Writes {@code target/bench/fuzz.json}.
 */
public final class FuzzBench {

    private record Target(String name, Class<?> type, Supplier<List<byte[]>> seeds, SeededFuzzing.Target check,
            SeededFuzzing.Limits limits, String instrument) {}

    private static final List<Target> TARGETS = List.of(
            new Target("imageref", ImageRefDecodingFuzzTest.class, ImageRefDecodingFuzzTest::seeds,
                    ImageRefDecodingFuzzTest::decode, ImageRefDecodingFuzzTest.LIMITS, "dev.sieve.**:org.apache.avro.**"),
            new Target("image", ImageDecodingFuzzTest.class, ImageDecodingFuzzTest::seeds,
                    ImageDecodingFuzzTest::decode, ImageDecodingFuzzTest.LIMITS, "dev.sieve.**:com.twelvemonkeys.**"),
            new Target("reference", ReferenceParsingFuzzTest.class, ReferenceParsingFuzzTest::seeds,
                    ReferenceParsingFuzzTest::check, ReferenceParsingFuzzTest.LIMITS, "dev.sieve.**"));

    private FuzzBench() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of("target/bench");
        long seconds = 120;
        String heap = "512m";
        boolean seeded = false;
        String child = null;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--seconds" -> seconds = Long.parseLong(args[++i]);
                case "--heap" -> heap = args[++i];
                case "--seeded" -> seeded = true;
                case "--child" -> child = args[++i];
                default -> names.add(args[i]);
            }
        }
        if (child != null) {
            runSeededHere(target(child));
            return;
        }
        BenchReport report = new BenchReport("fuzz").put("seconds", seconds).put("heap", heap)
                .put("engine", seeded ? "seeded mutation" : "jazzer");
        report.row("target", "engine", "seconds", "inputs", "result");
        List<Map<String, Object>> results = new ArrayList<>();
        for (Target t : names.isEmpty() ? TARGETS : names.stream().map(FuzzBench::target).toList()) {
            Path dir = out.resolve("fuzz").resolve(t.name());
            Files.createDirectories(dir.resolve("seeds"));
            Files.createDirectories(dir.resolve("corpus"));
            List<byte[]> seeds = t.seeds().get();
            for (int i = 0; i < seeds.size(); i++) Files.write(dir.resolve("seeds").resolve("seed-" + i), seeds.get(i));
            long seed = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + heap, "-Dsieve.repo=" + System.getProperty("sieve.repo", "."), "-cp",
                    System.getProperty("java.class.path")));
            if (seeded) {
                command.addAll(List.of("-Dsieve.fuzz.seconds=" + seconds, "-Dsieve.property.seed=" + seed,
                        FuzzBench.class.getName(), "--child", t.name()));
            } else {
                command.addAll(List.of("com.code_intelligence.jazzer.Jazzer", "--target_class=" + t.type().getName(),
                        "--instrumentation_includes=" + t.instrument(), "-max_total_time=" + seconds,
                        // Instrumented code on a busy machine is slower than the seeded run's deadline allows for.
                        "-timeout=" + 3 * t.limits().perInput().toSeconds(), "-max_len=" + t.limits().maxInputBytes(),
                        "-rss_limit_mb=" + (2 * megabytes(heap) + 1024), "-print_final_stats=1", "-seed=" + (seed & 0x7fffffff),
                        "-artifact_prefix=" + dir.toAbsolutePath() + "/", "--reproducer_path=" + dir.toAbsolutePath(),
                        dir.resolve("corpus").toString(), dir.resolve("seeds").toString()));
            }
            Path log = dir.resolve("log.txt");
            long started = System.nanoTime();
            int exit = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start().waitFor();
            double took = (System.nanoTime() - started) / 1e9;
            String text = Files.readString(log);
            String inputs = first(text, seeded ? "(\\d+) inputs" : "stat::number_of_executed_units: (\\d+)");
            String finding = exit == 0 ? "no finding" : "FINDING (exit " + exit + "): " + firstLine(text, seeded
                    ? "AssertionError: .*" : "== Java Exception: .*|ERROR: libFuzzer: .*") + " — see " + log;
            report.row(t.name(), seeded ? "seeded " + seed : "jazzer", String.format("%.0f", took), inputs, finding);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("target", t.name());
            r.put("seed", seed);
            r.put("seconds", took);
            r.put("inputs", inputs);
            r.put("exit", exit);
            r.put("finding", exit == 0 ? null : finding);
            results.add(r);
        }
        report.put("targets", results);
        report.finish(out);
    }

    private static void runSeededHere(Target t) {
        System.out.println(SeededFuzzing.run(t.name(), t.seeds().get(), t.check(), t.limits(), 1, Integer.MAX_VALUE));
    }

    private static Target target(String name) {
        return TARGETS.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Invalid option for target: " + name
                        + " (expected one of " + TARGETS.stream().map(Target::name).toList() + ")"));
    }

    private static long megabytes(String heap) {
        long n = Long.parseLong(heap.replaceAll("[^0-9]", ""));
        return heap.toLowerCase().endsWith("g") ? n * 1024 : n;
    }

    private static String first(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        String last = "?";
        while (m.find()) last = m.group(1);
        return last;
    }

    private static String firstLine(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? m.group() : "(see the log)";
    }
}
