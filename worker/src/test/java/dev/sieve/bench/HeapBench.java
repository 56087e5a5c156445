package dev.sieve.bench;

import dev.sieve.kafka.EmbeddedKafka;
import dev.sieve.work.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Memory under a burst of 50-megapixel images: the real `sieve work` in its own JVM with {@code -Xmx2g} and default
 * options, an embedded broker, a loopback HTTP server serving a generated 8660x5773 JPEG and PNG (made once into
 * {@code <out>/heap-images}, not committed) and a few small images. The burst is {@code --big} 50 MP references
 * (half JPEG, half PNG) shuffled among {@code --small} small ones, all produced at once.
 *
 * <p>Runs ({@code --runs}, comma-separated; default all three):
 * <ul>
 *   <li>{@code defaults}: every option at its default (here: prepare threads = cores - 1);</li>
 *   <li>{@code pool15}: {@code --prepare-threads 15}, what the default gives on a 16-core machine, so 15 images may
 *       decode at once unless the pixel budget stops them;</li>
 *   <li>{@code nobudget}: as pool15 with the pixel budget at its maximum (off): what the budget prevents;</li>
 *   <li>{@code adversarial}: issue 13's mix instead of the burst, {@code --prepare-threads 3}: 16 bodies of 49 MiB
 *       (no image), 8 endless chunked bodies and 4 RGBA PNGs of 13000x13000 = 169 MP (under {@code --max-pixels},
 *       inside the 192 MP budget; made once into {@code <out>/heap-images}). The PNGs must be scored, the bodies
 *       fail NOT_AN_IMAGE and TOO_LARGE.</li>
 * </ul>
 * Every child runs with {@code -XX:+ExitOnOutOfMemoryError}, so running out of heap shows as a dead worker.
 * Options: {@code --out DIR}, {@code --big N} (40), {@code --small N} (200), {@code --runs LIST}.
 */
public final class HeapBench {
    static final int BIG_WIDTH = 8660;
    static final int BIG_HEIGHT = 5773;

    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse(args);
        int big = options.integer("big", 40);
        int small = options.integer("small", 200);
        List<String> runs = List.of(options.string("runs", "defaults,pool15,nobudget,adversarial").split(","));
        Path dir = options.out().resolve("heap-images");

        List<byte[]> images = new ArrayList<>();
        images.add(ensure(dir, "big-" + BIG_WIDTH + "x" + BIG_HEIGHT + ".jpg", BIG_WIDTH, BIG_HEIGHT, "jpeg", true));
        images.add(ensure(dir, "big-" + BIG_WIDTH + "x" + BIG_HEIGHT + ".png", BIG_WIDTH, BIG_HEIGHT, "png", false));
        for (BenchImages.Spec s : EndToEndBench.SMALL) {
            images.add(ensure(dir, s.fileName(), s.width(), s.height(), s.format(), true));
        }
        images.add(ensure(dir, "small-900x600.png", 900, 600, "png", true));
        List<Integer> imageOfRef = new ArrayList<>();
        for (int i = 0; i < big; i++) imageOfRef.add(i % 2);
        for (int i = 0; i < small; i++) imageOfRef.add(2 + i % (images.size() - 2));
        Collections.shuffle(imageOfRef, new Random(42));

        BenchReport report = new BenchReport("heap");
        report.row("run", "prepare threads", "budget MP", "scored/failed/missing", "worker", "images/s",
                "peak heap MB", "peak after GC MB", "peak RSS MB");
        List<Map<String, Object>> json = new ArrayList<>();
        try (EmbeddedKafka broker = EmbeddedKafka.start(0)) {
            for (String run : runs) {
                List<String> workerArgs = switch (run) {
                    case "defaults" -> List.of();
                    case "adversarial" -> List.of("--prepare-threads", "3");
                    case "pool15" -> List.of("--prepare-threads", "15");
                    case "nobudget" -> List.of("--prepare-threads", "15",
                            "--pixel-budget-mp", String.valueOf(WorkerConfig.MAX_PIXEL_BUDGET_MEGAPIXELS));
                    default -> throw new IllegalArgumentException(
                            "unknown run " + run + " (defaults, pool15, nobudget, adversarial)");
                };
                int threads = workerArgs.contains("--prepare-threads")
                        ? Integer.parseInt(workerArgs.get(workerArgs.indexOf("--prepare-threads") + 1))
                        : Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
                int budget = run.equals("nobudget") ? WorkerConfig.MAX_PIXEL_BUDGET_MEGAPIXELS
                        : WorkerConfig.SETTINGS.defaults().get(WorkerConfig.PIXEL_BUDGET_MP);
                boolean adversarial = run.equals("adversarial");
                List<byte[]> served = adversarial ? adversarialImages(dir) : images;
                List<Integer> refs = adversarial ? ADVERSARIAL_REFS : imageOfRef;
                System.err.printf("heap: run %s (%d refs)...%n", run, refs.size());
                ChildWorkerBurst.Result r = ChildWorkerBurst.run(broker, options.out().resolve("heap-logs"),
                        "heap-" + run, served, refs, List.of("-Xmx2g", "-XX:+ExitOnOutOfMemoryError"),
                        workerArgs, Duration.ofMinutes(10));
                String state = r.workerDied() ? (r.outOfMemory() ? "died: OutOfMemoryError" : "died")
                        : r.outOfMemory() ? "OutOfMemoryError" : "survived";
                report.row(run, threads, budget, r.scored() + "/" + r.failed() + "/" + (r.refs() - r.outcomes()), state,
                        r.imagesPerSecond(), r.peakHeapMb(), r.peakAfterGcMb(), r.peakRssMb());
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("run", run);
                o.put("worker_args", workerArgs);
                o.put("xmx", "2g");
                o.put("prepare_threads", threads);
                o.put("pixel_budget_mp", budget);
                o.put("refs", r.refs());
                o.put("scored", r.scored());
                o.put("failed", r.failed());
                o.put("failures_by_code", r.failures());
                o.put("missing", r.refs() - r.outcomes());
                o.put("worker_died", r.workerDied());
                o.put("out_of_memory", r.outOfMemory());
                o.put("seconds", r.seconds());
                o.put("images_per_s", r.imagesPerSecond());
                o.put("peak_heap_used_mb", r.peakHeapMb());
                o.put("peak_heap_after_gc_mb", r.peakAfterGcMb());
                o.put("peak_rss_mb", r.peakRssMb());
                o.put("log", r.log().toString());
                json.add(o);
            }
        }
        Map<String, Object> sizes = new LinkedHashMap<>();
        sizes.put("big_jpeg_bytes", images.get(0).length);
        sizes.put("big_png_bytes", images.get(1).length);
        report.put("big_refs", big).put("small_refs", small).put("big_size", BIG_WIDTH + "x" + BIG_HEIGHT)
                .put("image_bytes", sizes)
                .put("heap_note", "peak heap = largest 'used' in the child's GC log (before a collection, garbage "
                        + "included, or at exit); after GC = largest right after a collection (about the live data)")
                .put("runs", json)
                .finish(options.out());
        System.exit(0);
    }

    /** Issue 13's mix: image 0 is 49 MiB of no image, 1 an endless chunked body, 2 a 169 MP RGBA PNG. */
    static final List<Integer> ADVERSARIAL_REFS = adversarialRefs();

    private static List<Integer> adversarialRefs() {
        List<Integer> refs = new ArrayList<>();
        for (int i = 0; i < 16; i++) refs.add(0);
        for (int i = 0; i < 8; i++) refs.add(1);
        for (int i = 0; i < 4; i++) refs.add(2);
        Collections.shuffle(refs, new Random(13));
        return refs;
    }

    private static List<byte[]> adversarialImages(Path dir) throws Exception {
        Path png = dir.resolve("rgba-13000x13000.png");
        if (!Files.exists(png)) {
            System.err.printf("heap: making %s (once)%n", png);
            Path tmp = dir.resolve("rgba-13000x13000.png.tmp");
            Files.write(tmp, ChildWorkerBurst.rgbaPng(13_000, 13_000));
            Files.move(tmp, png);
        }
        return List.of(ChildWorkerBurst.junk(49 << 20), ChildWorkerBurst.ENDLESS_CHUNKED, Files.readAllBytes(png));
    }

    private static byte[] ensure(Path dir, String name, int width, int height, String format, boolean noise)
            throws Exception {
        Files.createDirectories(dir);
        Path p = dir.resolve(name);
        if (!Files.exists(p)) {
            System.err.printf("heap: making %s (once)%n", p);
            Path tmp = dir.resolve(name + ".tmp");
            Files.write(tmp, BenchImages.encode(BenchImages.draw(width, height, name.hashCode(), noise), format));
            Files.move(tmp, p);
        }
        return Files.readAllBytes(p);
    }
}
