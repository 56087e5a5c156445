package dev.sieve.bench;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A benchmark's figures: printed as a table and written as JSON (with the machine) under target/bench/. */
final class BenchReport {
    private final String name;
    private final Map<String, Object> json = new LinkedHashMap<>();
    private final List<String[]> rows = new ArrayList<>();

    BenchReport(String name) {
        this.name = name;
        json.put("benchmark", name);
        json.put("time", Instant.now().toString());
        json.put("machine", machine());
    }

    /** A top-level JSON field (figures, settings). */
    BenchReport put(String key, Object value) {
        json.put(key, value);
        return this;
    }

    /** A table row; the first row added is the header. */
    BenchReport row(Object... cells) {
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) r[i] = cells[i] instanceof Double d ? String.format("%.2f", d) : String.valueOf(cells[i]);
        rows.add(r);
        return this;
    }

    void finish(Path outDir) throws IOException {
        int cols = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int[] width = new int[cols];
        for (String[] r : rows) for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].length());
        System.out.println();
        System.out.println("== " + name + " ==");
        for (int n = 0; n < rows.size(); n++) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < rows.get(n).length; i++) {
                line.append(i == 0 ? String.format("%-" + width[i] + "s", rows.get(n)[i]) : String.format("  %" + width[i] + "s", rows.get(n)[i]));
            }
            System.out.println(line);
            if (n == 0) System.out.println("-".repeat(line.length()));
        }
        Files.createDirectories(outDir);
        Path file = outDir.resolve(name + ".json");
        Files.writeString(file, new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(json) + "\n");
        System.out.println("(written to " + file + ")");
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("java", System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
        m.put("load_average", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    m.put("cpu", line.substring(line.indexOf(':') + 1).trim());
                    break;
                }
            }
        } catch (IOException e) {
            m.put("cpu", "unknown");
        }
        return m;
    }

    /** Peak resident set size of this process (VmHWM), in MB; -1 where /proc is absent. */
    static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10;
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
