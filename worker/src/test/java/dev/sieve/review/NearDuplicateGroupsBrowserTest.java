package dev.sieve.review;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sieve.avro.Correction;
import dev.sieve.avro.ScoredImage;
import dev.sieve.fetch.FileRoot;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.kafka.TopicReader;
import dev.sieve.sort.Bucket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * Near-duplicates on the review page, in headless Chromium: a bucket shows a group's cards together, the first saying
 * how many there are, and {@code g} then a label key marks the whole group (a Correction per image on the real
 * corrections topic), while a plain key still marks one image. Skipped, with the reason, without Chromium.
 */
class NearDuplicateGroupsBrowserTest {
    private static final AvroSerde<Correction> CORRECTION = AvroSerde.of(Correction.class);
    private static final String HEAD = "ndg-Anime-Compression-v1.5";

    @TempDir
    Path tmp;

    private static ScoredImage image(String id, String file, int w, int h, double pass, Long hash) {
        ScoredImage image = ReviewPageBrowserTest.image(HEAD, id, file, w, h, pass, (1 - pass) * 0.75, (1 - pass) * 0.25);
        image.setPerceptualHash(hash);
        return image;
    }

    @Test
    void aGroupIsShownTogetherAndMarkedAtOnceWithG() throws Exception {
        Path chromium = ReviewPageBrowserTest.executable("sieve.chromium", "/usr/bin/chromium");
        Path chromedriver = ReviewPageBrowserTest.executable("sieve.chromedriver", "/usr/bin/chromedriver");
        String bootstrap = SharedKafka.bootstrapServers();
        String corrections = "images.corrections.groups-browser-test";
        SharedKafka.broker().createTopics(1, corrections);
        long picture = 0x5a5a_3c3c_0f0f_6996L;
        ReviewBuckets buckets = new ReviewBuckets();
        // Most confident first would be garden, street, harbour, sketch, lantern; harbour and sketch are copies of garden.
        for (ScoredImage s : List.of(
                image("garden", "garden-640x480.jpg", 640, 480, 0.95, picture),
                image("street", "street-900x760.webp", 900, 760, 0.80, ~picture),
                image("harbour", "harbour-1920x1080.jpg", 1920, 1080, 0.70, picture ^ 0b1011L),
                image("sketch", "sketch-500x700-grey.png", 500, 700, 0.55, picture ^ (0b1011L << 4)),
                image("lantern", "lantern-800x1200-rgba.png", 800, 1200, 0.50, null))) {
            buckets.add(BucketLoader.of(new Bucket(HEAD, "Pass"), s.getRef().getId(), s));
        }
        ReviewConfig config = ReviewConfig.of(ReviewConfig.SETTINGS.defaults().set(ReviewConfig.PORT, 0)
                .set(ReviewConfig.THUMBNAIL_CACHE, tmp.resolve("thumbs"))
                .set(ReviewConfig.CORRECTIONS_TOPIC, corrections)
                .set(FileRoot.READ_ROOT, ReviewPageBrowserTest.REPO.resolve("scripts/samples")));
        WebDriver browser = ReviewPageBrowserTest.startBrowser(chromium, chromedriver);
        try (CorrectionPublisher publisher = new CorrectionPublisher(KafkaSettings.of(bootstrap), corrections, Duration.ofSeconds(30));
             ReviewServer server = ReviewServer.start(config, buckets, publisher)) {
            browser.get(server.uri().toString());
            WebElement pass = await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                    browser.findElement(By.cssSelector("a.bucket[data-head='" + HEAD + "'][data-label='Pass']")), e -> e != null);
            pass.click();
            await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElements(By.cssSelector("#grid .card")).size() == 5);
            assertThat(browser.findElements(By.cssSelector("#grid .card")).stream().map(c -> c.getDomAttribute("data-id")).toList())
                    .as("the group right after its most confident member").containsExactly("garden", "harbour", "sketch", "street", "lantern");
            assertThat(browser.findElement(By.cssSelector(".card[data-id='garden'] .group-marker")).getText()).isEqualTo("3 near-duplicates");
            assertThat(browser.findElement(By.cssSelector(".card[data-id='sketch'] .group-marker")).getText()).isEqualTo("near-duplicate ↑");
            assertThat(browser.findElements(By.cssSelector(".card[data-id='street'] .group-marker"))).isEmpty();
            assertThat(browser.findElement(By.id("title")).getText()).contains("1 near-duplicate group shown together");

            // g, then 1: the whole group should be JPEG; the selection moves past the group.
            assertThat(ReviewPageBrowserTest.selectedId(browser)).isEqualTo("garden");
            new Actions(browser).sendKeys("g").perform();
            await().atMost(Duration.ofSeconds(10)).until(() -> browser.findElement(By.id("status")).getText().contains("all 3 images"));
            new Actions(browser).sendKeys("1").perform();
            await().atMost(Duration.ofSeconds(30)).until(() -> List.of("garden", "harbour", "sketch").stream().allMatch(id ->
                    "JPEG".equals(browser.findElement(By.cssSelector(".card[data-id='" + id + "']")).getDomAttribute("data-marked"))));
            assertThat(ReviewPageBrowserTest.selectedId(browser)).isEqualTo("street");
            // A plain key still marks the one image selected.
            new Actions(browser).sendKeys("x").perform();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    "excluded".equals(browser.findElement(By.cssSelector(".card[data-id='street']")).getDomAttribute("data-marked")));
            assertThat(browser.findElement(By.cssSelector(".card[data-id='lantern']")).getDomAttribute("data-marked")).isNull();

            List<String> published = TopicReader.readCommitted(bootstrap, corrections, Duration.ofSeconds(30)).stream()
                    .map(r -> CORRECTION.decode(r.value())).map(c -> c.getId() + " " + c.getOldLabel() + "→" + c.getNewLabel()).toList();
            assertThat(published).containsExactlyInAnyOrder("garden Pass→JPEG", "harbour Pass→JPEG", "sketch Pass→JPEG", "street Pass→null");
        } finally {
            browser.quit();
        }
    }
}
