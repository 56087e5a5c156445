package dev.sieve.image;

import dev.sieve.image.clip.ClipPreprocessing;
import dev.sieve.image.decode.DecodeOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PixelBudgetTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    /** Takes {@code pixels} on another thread and holds them until the test ends; the future completes once taken. */
    private Future<PixelBudget.Share> takeElsewhere(PixelBudget budget, long pixels) {
        return threads.submit(() -> {
            PixelBudget.Share share = budget.share();
            share.take(pixels);
            return share;
        });
    }

    @Test
    void blocksWhenFullAndGoesOnWhenPixelsAreGivenBack() throws Exception {
        PixelBudget budget = new PixelBudget(100);
        PixelBudget.Share first = budget.share();
        first.take(60);

        Future<PixelBudget.Share> second = takeElsewhere(budget, 50);
        await().atMost(PATIENCE).until(() -> budget.waiting() == 1);
        assertThat(second).isNotDone();
        assertThat(budget.available()).isEqualTo(40);

        first.close();
        PixelBudget.Share taken = second.get();
        assertThat(taken.held()).isEqualTo(50);
        assertThat(budget.available()).isEqualTo(50);
        taken.close();
        assertThat(budget.available()).isEqualTo(100);
    }

    @Test
    void imageLargerThanTheBudgetTakesTheWholeBudgetInsteadOfFailing() throws Exception {
        PixelBudget budget = new PixelBudget(100);
        PixelBudget.Share small = budget.share();
        small.take(10);

        Future<PixelBudget.Share> huge = takeElsewhere(budget, 5_000);
        await().atMost(PATIENCE).until(() -> budget.waiting() == 1);
        assertThat(huge).isNotDone();

        small.close();
        PixelBudget.Share whole = huge.get();
        assertThat(whole.held()).isEqualTo(100);
        assertThat(budget.available()).isZero();

        Future<PixelBudget.Share> next = takeElsewhere(budget, 1);
        await().atMost(PATIENCE).until(() -> budget.waiting() == 1);
        whole.close();
        next.get().close();
        assertThat(budget.available()).isEqualTo(100);
    }

    @Test
    void waitingIsFirstComeFirstServedSoALargeImageIsNotStarvedBySmallOnes() throws Exception {
        PixelBudget budget = new PixelBudget(100);
        PixelBudget.Share first = budget.share();
        first.take(60);
        Future<PixelBudget.Share> large = takeElsewhere(budget, 100);
        await().atMost(PATIENCE).until(() -> budget.waiting() == 1);

        // 40 pixels are free, but the large image came first: the small one queues behind it.
        Future<PixelBudget.Share> small = takeElsewhere(budget, 10);
        await().atMost(PATIENCE).until(() -> budget.waiting() == 2);
        assertThat(small).isNotDone();

        first.close();
        PixelBudget.Share largeShare = large.get();
        assertThat(small).isNotDone();
        largeShare.close();
        small.get().close();
        assertThat(budget.available()).isEqualTo(100);
    }

    @Test
    void closingTwiceGivesBackOnce() throws Exception {
        PixelBudget budget = new PixelBudget(100);
        PixelBudget.Share share = budget.share();
        share.take(30);
        share.take(30);
        share.close();
        share.close();
        assertThat(budget.available()).isEqualTo(100);
    }

    @Test
    void refusesAnEmptyBudget() {
        assertThatThrownBy(() -> new PixelBudget(0)).isInstanceOf(IllegalArgumentException.class);
    }

    // The gate inside ImagePreparer: taken after the header, given back on every way out.

    private static ImagePreparer preparer() {
        return new ImagePreparer(ClipPreprocessing.openaiClip336(), DecodeOptions.defaults(), true);
    }

    private static byte[] encode(String format, int width, int height) {
        BufferedImage image = new BufferedImage(width, height,
                format.equals("png") ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) image.setRGB(x, y, 0xff000000 | (x * 7 + y * 13) * 0x010203);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, format, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Test
    void preparingAnImageWaitsAfterItsHeaderUntilItsPixelsFit() throws Exception {
        PixelBudget budget = new PixelBudget(10_000);
        PixelBudget.Share other = budget.share();
        other.take(10_000);
        byte[] png = encode("png", 40, 30);

        Future<PreparedImage> prepared = threads.submit(() -> preparer().prepare(png, false, budget));
        await().atMost(PATIENCE).until(() -> budget.waiting() == 1);
        assertThat(prepared).isNotDone();

        other.close();
        assertThat(prepared.get().width()).isEqualTo(40);
        assertThat(budget.available()).isEqualTo(10_000);
    }

    @Test
    void anImageIsChargedItsPixelCountWhileItIsPrepared() throws Exception {
        PixelBudget budget = new PixelBudget(10_000);
        PixelBudget.Share other = budget.share();
        other.take(10_000 - 40 * 30 + 1);
        byte[] jpeg = encode("jpg", 40, 30);

        // One pixel short: it waits. One more pixel free: it goes.
        Future<PreparedImage> prepared = threads.submit(() -> preparer().prepare(jpeg, false, budget));
        await().atMost(PATIENCE).until(() -> budget.waiting() == 1);
        assertThat(prepared).isNotDone();
        other.close();
        assertThat(prepared.get().height()).isEqualTo(30);
        assertThat(budget.available()).isEqualTo(10_000);
    }

    @Test
    void anImageWithAlphaIsChargedItsPixelsOnceItsPremultipliedCopyBeingMadeStripByStrip() throws Exception {
        PixelBudget budget = new PixelBudget(10_000);
        PixelBudget.Share other = budget.share();
        other.take(10_000 - 40 * 30 + 1);
        byte[] rgba = encode("png", 40, 30);

        Future<PreparedImage> prepared = threads.submit(() -> preparer().prepare(rgba, false, budget));
        await().atMost(PATIENCE).until(() -> budget.waiting() == 1);
        assertThat(prepared).isNotDone();
        other.close();
        assertThat(prepared.get().width()).isEqualTo(40);
    }

    @Test
    void givesThePixelsBackWhenDecodingFailsAfterTheHeader() {
        PixelBudget budget = new PixelBudget(5_000);
        ImagePreparer preparer = preparer();
        for (String format : List.of("png", "jpg")) {
            byte[] whole = encode(format, 64, 64);
            byte[] truncated = Arrays.copyOf(whole, whole.length / 2);
            assertThatThrownBy(() -> preparer.prepare(truncated, false, budget))
                    .isInstanceOfSatisfying(StageException.class,
                            e -> assertThat(e.code()).isEqualTo(FailureCode.CORRUPT_IMAGE));
            assertThat(budget.available()).as(format).isEqualTo(5_000);
        }
    }

    @Test
    void anImageRefusedByItsHeaderTakesNothing() {
        PixelBudget budget = new PixelBudget(100);
        ImagePreparer strict = new ImagePreparer(ClipPreprocessing.openaiClip336(), new DecodeOptions(100, false), true);
        assertThatThrownBy(() -> strict.prepare(encode("png", 20, 20), false, budget))
                .isInstanceOfSatisfying(StageException.class,
                        e -> assertThat(e.code()).isEqualTo(FailureCode.TOO_MANY_PIXELS));
        assertThat(budget.available()).isEqualTo(100);
        assertThat(budget.waiting()).isZero();
    }

    @Test
    void aThreadInterruptedWhileWaitingFailsTheImageAndHoldsNothing() throws Exception {
        PixelBudget budget = new PixelBudget(1_000);
        PixelBudget.Share other = budget.share();
        other.take(1_000);
        byte[] png = encode("png", 20, 20);
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                preparer().prepare(png, false, budget);
                failure.complete(null);
            } catch (Throwable e) {
                failure.complete(e);
            }
        });
        t.start();
        await().atMost(PATIENCE).until(() -> budget.waiting() == 1);
        t.interrupt();
        assertThat(failure.get()).isInstanceOfSatisfying(StageException.class,
                e -> assertThat(e.code()).isEqualTo(FailureCode.INTERNAL));
        other.close();
        assertThat(budget.available()).isEqualTo(1_000);
    }

    @Test
    void manyImagesGoodAndBadOnSeveralThreadsLeaveTheWholeBudgetFree() throws Exception {
        // Room for about two of the larger images at once, so threads really wait on each other.
        PixelBudget budget = new PixelBudget(2 * 900 * 700);
        ImagePreparer preparer = preparer();
        byte[] large = encode("jpg", 900, 700);
        byte[] small = encode("png", 50, 40);
        byte[] broken = Arrays.copyOf(encode("png", 300, 200), 200);
        byte[] notAnImage = "hello".getBytes();
        List<byte[]> inputs = List.of(large, small, broken, notAnImage);
        List<Future<?>> jobs = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int i = 0; i < 120; i++) {
                byte[] in = inputs.get(i % inputs.size());
                boolean whole = i % 8 == 0;
                jobs.add(pool.submit(() -> {
                    try {
                        return preparer.prepare(in, whole, budget);
                    } catch (StageException e) {
                        return e.code();
                    }
                }));
            }
            for (Future<?> job : jobs) job.get();
        } finally {
            pool.shutdownNow();
        }
        assertThat(budget.available()).isEqualTo(budget.capacity());
        assertThat(budget.waiting()).isZero();
    }
}
