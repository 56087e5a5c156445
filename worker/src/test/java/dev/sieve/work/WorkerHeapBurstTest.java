package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.bench.ChildWorkerBurst;
import dev.sieve.kafka.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pixel and fetch budgets keep a burst of large images inside the heap: `sieve work` in its own JVM, scaled down
 * from the production case (2 GB heap, 192 MP and 384 MiB budgets, 50 MP images) so that it runs in seconds: a
 * 256 MB heap, eight prepare threads, 12 MP images (36–48 MB each while decoding), a 16 MP pixel budget and a 32 MiB
 * fetch budget. Eight such images decoding at once need more than the whole heap (with the pixel budget off this
 * test fails: the worker dies of OutOfMemoryError); the budget lets one through at a time, small ones beside it.
 * The child exits on OutOfMemoryError, so running out of heap shows as a dead worker. {@code scripts/bench heap}
 * runs the full-size case.
 */
class WorkerHeapBurstTest {
    /** Kept when the test fails: the worker's log and GC log are in it. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    @Test
    void burstOfLargeImagesIsScoredWithoutRunningOutOfHeap() throws Exception {
        List<byte[]> images = List.of(
                ChildWorkerBurst.image(4000, 3000, "jpeg", true),
                ChildWorkerBurst.image(4000, 3000, "png", false),
                ChildWorkerBurst.image(640, 480, "jpeg", true));
        List<Integer> imageOfRef = new ArrayList<>();
        for (int i = 0; i < 24; i++) imageOfRef.add(i % 3 == 2 ? 2 : i % 2);

        ChildWorkerBurst.Result r = survivingBurst("heapburst", images, imageOfRef, 8);
        assertThat(r.scored()).as("failures: %s%n%s", r.failures(), r.logText()).isEqualTo(imageOfRef.size());
        System.out.printf("heap burst: %d images scored, peak heap %d MB (%d MB after GC), RSS %d MB%n",
                r.scored(), r.peakHeapMb(), r.peakAfterGcMb(), r.peakRssMb());
    }

    /**
     * Issue 13's adversarial mix, scaled down like the test above (production: -Xmx2g, 3 prepare threads, 16 bodies
     * of 49 MiB, 8 endless chunked bodies, 4 RGBA PNGs of 169 MP under a 192 MP budget): a 256 MB heap, 3 prepare
     * threads, 16 MP and 32 MiB budgets, --max-bytes 8 MiB; 16 bodies of 7.9 MiB (no image), 8 endless chunked
     * bodies and 4 RGBA PNGs of 14 MP. Each PNG is valid and under the pixel budget, so it must be scored; the junk
     * is NOT_AN_IMAGE, the endless bodies TOO_LARGE, and the worker never runs out of heap.
     */
    @Test
    void adversarialMixOfBodiesAndAlphaImagesStaysInsideTheHeap() throws Exception {
        List<byte[]> images = List.of(
                ChildWorkerBurst.junk((8 << 20) - (128 << 10)),
                ChildWorkerBurst.ENDLESS_CHUNKED,
                ChildWorkerBurst.rgbaPng(3742, 3742));
        List<Integer> imageOfRef = new ArrayList<>();
        for (int i = 0; i < 16; i++) imageOfRef.add(0);
        for (int i = 0; i < 8; i++) imageOfRef.add(1);
        for (int i = 0; i < 4; i++) imageOfRef.add(2);
        java.util.Collections.shuffle(imageOfRef, new java.util.Random(13));

        ChildWorkerBurst.Result r = survivingBurst("heapmix", images, imageOfRef, 3);
        assertThat(r.scored()).as("the four PNGs; failures: %s%n%s", r.failures(), r.logText()).isEqualTo(4);
        assertThat(r.failures()).isEqualTo(java.util.Map.of("NOT_AN_IMAGE", 16, "TOO_LARGE", 8));
        System.out.printf("heap mix: %d scored, %s, peak heap %d MB (%d MB after GC), RSS %d MB%n",
                r.scored(), r.failures(), r.peakHeapMb(), r.peakAfterGcMb(), r.peakRssMb());
    }

    /**
     * One burst through the scaled-down worker (256 MB heap, 16 MP and 32 MiB budgets, --max-bytes 8 MiB), which
     * must neither die nor run out of heap, and must end every reference.
     */
    private ChildWorkerBurst.Result survivingBurst(String name, List<byte[]> images, List<Integer> imageOfRef,
                                                   int prepareThreads) throws Exception {
        ChildWorkerBurst.Result r = ChildWorkerBurst.run(SharedKafka.broker(), tmp, name, images, imageOfRef,
                List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError"),
                List.of("--prepare-threads", String.valueOf(prepareThreads), "--pixel-budget-mp", "16",
                        "--fetch-budget-mb", "32", "--max-bytes", String.valueOf(8 << 20), "--fetch-attempts", "1"),
                Duration.ofMinutes(4));
        String log = r.logText();
        assertThat(r.workerDied()).as("worker died; logs in %s%n%s", tmp, log).isFalse();
        assertThat(r.outOfMemory()).as(log).isFalse();
        assertThat(r.outcomes()).as("every reference ended on scored or failed").isEqualTo(imageOfRef.size());
        return r;
    }
}
