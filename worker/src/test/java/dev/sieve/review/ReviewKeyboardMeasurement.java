package dev.sieve.review;

import static org.awaitility.Awaitility.await;

import dev.sieve.avro.ScoredImage;
import dev.sieve.fetch.FileRoot;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.sort.BucketNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.interactions.Actions;

/**
 * How long the page takes to review 1000 images with the keyboard, driven by Chromium: one key per image — `j` when
 * the label is right, `1` ("should be JPEG") for every tenth — each waited for until the page has moved on (and, for
 * a mark, until the broker acknowledged the Correction). A measurement, not a test: run it with
 * {@code mvn -o test -pl worker -Dtest=ReviewKeyboardMeasurement -Dsieve.review.measure=true}.
 */
@EnabledIfSystemProperty(named = "sieve.review.measure", matches = "true")
class ReviewKeyboardMeasurement {
    private static final String HEAD = "msr-Anime-Compression-v1.5";
    private static final String[] FILES = {"garden-640x480.jpg", "street-900x760.webp", "harbour-1920x1080.jpg",
            "sketch-500x700-grey.png", "lantern-800x1200-rgba.png", "badge-400x400.gif"};
    private static final int[][] SIZES = {{640, 480}, {900, 760}, {1920, 1080}, {500, 700}, {800, 1200}, {400, 400}};

    @TempDir
    Path tmp;

    @Test
    void reviewAThousandImagesWithTheKeyboard() throws Exception {
        int n = Integer.getInteger("sieve.review.images", 1000);
        Path chromium = ReviewPageBrowserTest.executable("sieve.chromium", "/usr/bin/chromium");
        Path chromedriver = ReviewPageBrowserTest.executable("sieve.chromedriver", "/usr/bin/chromedriver");
        String bootstrap = SharedKafka.bootstrapServers();
        String bucket = BucketNames.topic(HEAD, "Pass");
        String corrections = "images.corrections.review-measure";
        SharedKafka.broker().createTopics(1, bucket, corrections);
        Random random = new Random(1000);
        List<ScoredImage> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int f = i % FILES.length;
            double pass = 0.5 + 0.5 * random.nextDouble();
            images.add(ReviewPageBrowserTest.image(HEAD, String.format("m%04d", i), FILES[f], SIZES[f][0], SIZES[f][1],
                    pass, (1 - pass) * 0.7, (1 - pass) * 0.3));
        }
        ReviewPageBrowserTest.produce(bootstrap, bucket, images);
        ReviewBuckets buckets = BucketLoader.fromTopics(KafkaSettings.of(bootstrap), Pattern.compile(Pattern.quote(bucket)),
                Duration.ofSeconds(60), System.out);
        ReviewConfig config = ReviewConfig.of(ReviewConfig.SETTINGS.defaults().set(ReviewConfig.PORT, 0)
                .set(ReviewConfig.THUMBNAIL_CACHE, tmp.resolve("thumbs"))
                .set(ReviewConfig.CORRECTIONS_TOPIC, corrections)
                .set(FileRoot.READ_ROOT, ReviewPageBrowserTest.REPO.resolve("scripts/samples")));

        WebDriver browser = ReviewPageBrowserTest.startBrowser(chromium, chromedriver);
        try (CorrectionPublisher publisher = new CorrectionPublisher(KafkaSettings.of(bootstrap), corrections, Duration.ofSeconds(30));
             ReviewServer server = ReviewServer.start(config, buckets, publisher)) {
            long t0 = System.nanoTime();
            browser.get(server.uri().toString());
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> browser.findElement(
                    By.cssSelector("a.bucket[data-head='" + HEAD + "'][data-label='Pass']")), e -> e != null).click();
            await().atMost(Duration.ofSeconds(120)).until(() -> browser.findElements(By.cssSelector("#grid .card")).size() == n);
            List<String> order = browser.findElements(By.cssSelector("#grid .card")).stream()
                    .map(c -> c.getDomAttribute("data-id")).toList();
            double loadSeconds = (System.nanoTime() - t0) / 1e9;

            Actions keys = new Actions(browser);
            long[] nanos = new long[n - 1];
            int marks = 0;
            long start = System.nanoTime();
            for (int i = 0; i < n - 1; i++) {
                String next = order.get(i + 1);
                String current = order.get(i);
                long t = System.nanoTime();
                if (i % 10 == 3) {
                    keys.sendKeys("1").perform();
                    marks++;
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> "JPEG".equals(
                            browser.findElement(By.cssSelector(".card[data-id='" + current + "']")).getDomAttribute("data-marked")));
                } else {
                    keys.sendKeys("j").perform();
                }
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                        .until(() -> next.equals(ReviewPageBrowserTest.selectedId(browser)));
                nanos[i] = System.nanoTime() - t;
            }
            double total = (System.nanoTime() - start) / 1e9;
            Arrays.sort(nanos);
            System.out.printf("review of %d images: page with all thumbnails %.1f s; %d keys (%d marks) in %.1f s, "
                            + "%.1f ms per image (p50 %.1f ms, p99 %.1f ms)%n", n, loadSeconds, n - 1, marks, total,
                    total * 1000 / (n - 1), nanos[nanos.length / 2] / 1e6, nanos[(int) (nanos.length * 0.99)] / 1e6);
        } finally {
            browser.quit();
        }
    }
}
