package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.bench.ChildWorkerBurst;
import dev.sieve.kafka.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pixel budget keeps a burst of large images inside the heap: `sieve work` in its own JVM, scaled down from the
 * production case (2 GB heap, 256 MP budget, 50 MP images) so that it runs in seconds: a 256 MB heap, eight prepare
 * threads, 12 MP images (36–48 MB each while decoding) and a 24 MP budget. Eight such images decoding at once need
 * more than the whole heap; the budget lets two through at a time. The child exits on OutOfMemoryError, so running
 * out of heap shows as a dead worker. {@code scripts/bench heap} runs the full-size case.
 */
class WorkerHeapBurstTest {
    @TempDir
    Path tmp;

    @Test
    void burstOfLargeImagesIsScoredWithoutRunningOutOfHeap() throws Exception {
        List<byte[]> images = List.of(
                ChildWorkerBurst.image(4000, 3000, "jpeg", true),
                ChildWorkerBurst.image(4000, 3000, "png", false),
                ChildWorkerBurst.image(640, 480, "jpeg", true));
        List<Integer> imageOfRef = new ArrayList<>();
        for (int i = 0; i < 24; i++) imageOfRef.add(i % 3 == 2 ? 2 : i % 2);

        ChildWorkerBurst.Result r = ChildWorkerBurst.run(SharedKafka.broker(), tmp, "heapburst", images, imageOfRef,
                List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError"),
                List.of("--prepare-threads", "8", "--pixel-budget-mp", "24", "--fetch-attempts", "1"),
                Duration.ofMinutes(3));

        String log = r.logText();
        assertThat(r.workerDied()).as(log).isFalse();
        assertThat(r.outOfMemory()).as(log).isFalse();
        assertThat(r.outcomes()).as("every reference ended on scored or failed").isEqualTo(imageOfRef.size());
        assertThat(r.scored()).as("failures: %s%n%s", r.failures(), log).isEqualTo(imageOfRef.size());
        System.out.printf("heap burst: %d images scored, peak heap %d MB (%d MB after GC), RSS %d MB%n",
                r.scored(), r.peakHeapMb(), r.peakAfterGcMb(), r.peakRssMb());
    }
}
