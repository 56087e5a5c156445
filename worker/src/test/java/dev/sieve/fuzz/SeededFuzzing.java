package dev.sieve.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongUnaryOperator;

/**
 * Mutation fuzzing without coverage instrumentation, deterministic for a seed: the seeds first, then mutations of the
 * pool, where an input whose outcome was not seen before (its signature: failure code, exception type, message
 * without digits) joins the pool — a cheap stand-in for coverage that carries the run past the first checks.
 *
 * <p>Each input runs on one worker thread with a deadline (no hang), its allocation is measured on that thread
 * ({@code com.sun.management.ThreadMXBean}) and held to a bound (no allocation beyond bounds, whatever the heap),
 * and anything the target throws is a finding. A finding stops the run with its seed, case number and input, and
 * the input is written to {@code target/fuzz/<name>/} to become a regression test.
 *
 * <p>{@code -Dsieve.property.seed=N} replays a run, {@code -Dsieve.fuzz.runs=N} sets its length, and
 * {@code -Dsieve.fuzz.seconds=N} runs for that long instead (what {@code scripts/bench fuzz --seeded} does). The
 * coverage-guided run is Jazzer's ({@code scripts/bench fuzz}), on the same targets.
 */
public final class SeededFuzzing {
    private static final int MAX_POOL = 2_000;

    /** One fuzz target: runs an input, says what happened in a short signature; throws when a property breaks. */
    @FunctionalInterface
    public interface Target {
        String run(byte[] input) throws Exception;
    }

    /** Bounds of a target: longest input, time per input, most bytes allocated for an input of a given length. */
    public record Limits(int maxInputBytes, Duration perInput, LongUnaryOperator allocationBound) {}

    /** What a run did: cases run, distinct outcomes, most bytes one input allocated, and how long it took. */
    public record Report(String name, long seed, int cases, int outcomes, long maxAllocated, Duration took) {
        @Override
        public String toString() {
            return String.format("%s: seed %d, %d inputs, %d distinct outcomes, at most %.1f MiB allocated by one input, %.1f s",
                    name, seed, cases, outcomes, maxAllocated / 1048576.0, took.toMillis() / 1000.0);
        }
    }

    private SeededFuzzing() {}

    /** Runs {@code target} over {@code seeds} and mutations of them, with the system properties above. */
    public static Report run(String name, List<byte[]> seeds, Target target, Limits limits, long defaultSeed, int defaultRuns) {
        long seed = Long.getLong("sieve.property.seed", defaultSeed);
        int runs = Integer.getInteger("sieve.fuzz.runs", defaultRuns);
        long seconds = Long.getLong("sieve.fuzz.seconds", 0);
        long deadline = seconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds) : Long.MAX_VALUE;
        Random random = new Random(seed);
        Mutations mutations = new Mutations(random, limits.maxInputBytes());
        List<byte[]> pool = new ArrayList<>(seeds);
        Set<String> outcomes = new HashSet<>();
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-" + name);
            t.setDaemon(true);
            return t;
        });
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long started = System.nanoTime();
        long maxAllocated = 0;
        int cases = 0;
        try {
            for (int i = 0; seconds > 0 ? System.nanoTime() < deadline : i < Math.max(runs, seeds.size()); i++) {
                byte[] input = i < seeds.size() ? seeds.get(i) : mutations.mutate(pool.get(random.nextInt(pool.size())), pool);
                Future<long[]> done = worker.submit(() -> {
                    long before = threads.getCurrentThreadAllocatedBytes();
                    String signature = target.run(input);
                    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                    return new long[] {allocated, signature.hashCode()};
                });
                long[] result;
                try {
                    result = done.get(limits.perInput().toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    done.cancel(true);
                    throw finding(name, seed, i, input, "no result within " + limits.perInput().toMillis() + " ms (a hang)", null);
                } catch (ExecutionException e) {
                    throw finding(name, seed, i, input, "the target threw " + e.getCause(), e.getCause());
                }
                cases++;
                long bound = limits.allocationBound().applyAsLong(input.length);
                if (result[0] > bound) {
                    throw finding(name, seed, i, input, "allocated " + result[0] + " bytes for a " + input.length
                            + "-byte input, over the bound of " + bound, null);
                }
                maxAllocated = Math.max(maxAllocated, result[0]);
                if (outcomes.add(Long.toString(result[1])) && i >= seeds.size() && pool.size() < MAX_POOL) pool.add(input);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(name + ": interrupted", e);
        } finally {
            worker.shutdownNow();
        }
        return new Report(name, seed, cases, outcomes.size(), maxAllocated, Duration.ofNanos(System.nanoTime() - started));
    }

    /**
     * The outcome signature of a failure: the type and message of its root cause (a wrapper's message repeats the
     * input), numbers left out (offsets and sizes vary), cut short.
     */
    public static String signature(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String message = String.valueOf(root.getMessage()).replaceAll("[0-9]+", "#");
        return root.getClass().getSimpleName() + ":" + message.substring(0, Math.min(48, message.length()));
    }

    private static AssertionError finding(String name, long seed, int index, byte[] input, String what, Throwable cause) {
        Path saved = Path.of("target", "fuzz", name, "crash-seed" + seed + "-case" + index + ".bin");
        try {
            Files.createDirectories(saved.getParent());
            Files.write(saved, input);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String head = HexFormat.of().formatHex(input, 0, Math.min(input.length, 96));
        return new AssertionError(name + ": " + what + "; replay with -Dsieve.property.seed=" + seed + " (case " + index
                + "); input (" + input.length + " bytes) saved to " + saved.toAbsolutePath() + ", starts " + head, cause);
    }
}
