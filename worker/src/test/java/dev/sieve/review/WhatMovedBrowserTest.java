package dev.sieve.review;

import dev.sieve.fetch.FileRoot;
import dev.sieve.kafka.KafkaSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sieve.avro.Correction;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.ScoredImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.kafka.TopicReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * The curator's second pass in headless Chromium: "what moved" lists the images the newest revision of a head moved,
 * most confident first, a digit key marks one, and the Correction lands on the corrections topic naming the newest
 * revision. A head seen in one revision only says so. Skipped, with the reason, without Chromium and chromedriver.
 */
class WhatMovedBrowserTest {
    private static final AvroSerde<Correction> CORRECTION = AvroSerde.of(Correction.class);
    private static final String OLD = "wm-Compression-v1.5";
    private static final String NEW = "wm-Compression-v1.6";

    @TempDir
    Path tmp;

    /** The browser test's image, scored by {@code head} at {@code revision}, plus a head with one revision only. */
    private static ScoredImage image(String head, String revision, String id, String file, int w, int h, double pass, double jpeg, double webp) {
        ScoredImage base = ReviewPageBrowserTest.image(head, id, file, w, h, pass, jpeg, webp);
        List<HeadScore> heads = new ArrayList<>();
        HeadScore scored = base.getHeads().get(0);
        scored.setRevision(revision);
        heads.add(scored);
        heads.add(new HeadScore("wm-Binary-v0.1", "v0.1", scored.getKind(), scored.getCombine(), scored.getLabels()));
        base.setHeads(heads);
        return base;
    }

    @Test
    void theSecondPassListsWhatTheNewRevisionMovedAndAMarkPublishesACorrection() throws Exception {
        Path chromium = ReviewPageBrowserTest.executable("sieve.chromium", "/usr/bin/chromium");
        Path chromedriver = ReviewPageBrowserTest.executable("sieve.chromedriver", "/usr/bin/chromedriver");
        String bootstrap = SharedKafka.bootstrapServers();
        String scored = "images.scored.moved-browser-test";
        String corrections = "images.corrections.moved-browser-test";
        SharedKafka.broker().createTopics(2, scored, corrections);
        ReviewPageBrowserTest.produce(bootstrap, scored, List.of(
                image(OLD, "v1.5", "garden", "garden-640x480.jpg", 640, 480, 0.95, 0.03, 0.02),
                image(OLD, "v1.5", "street", "street-900x760.webp", 900, 760, 0.80, 0.15, 0.05),
                image(OLD, "v1.5", "harbour", "harbour-1920x1080.jpg", 1920, 1080, 0.70, 0.20, 0.10),
                image(NEW, "v1.6", "garden", "garden-640x480.jpg", 640, 480, 0.90, 0.05, 0.05),   // stays Pass
                image(NEW, "v1.6", "street", "street-900x760.webp", 900, 760, 0.10, 0.85, 0.05),  // Pass → JPEG
                image(NEW, "v1.6", "harbour", "harbour-1920x1080.jpg", 1920, 1080, 0.30, 0.10, 0.60))); // Pass → WEBP

        MovedImages moved = MovedLoader.fromTopic(KafkaSettings.of(bootstrap), scored, 1000, Duration.ofSeconds(30), new PrintStream(OutputStream.nullOutputStream()));
        ReviewConfig config = ReviewConfig.of(ReviewConfig.SETTINGS.defaults().set(ReviewConfig.PORT, 0)
                .set(ReviewConfig.THUMBNAIL_CACHE, tmp.resolve("thumbs"))
                .set(ReviewConfig.CORRECTIONS_TOPIC, corrections)
                .set(FileRoot.READ_ROOT, ReviewPageBrowserTest.REPO.resolve("scripts/samples")));
        WebDriver browser = ReviewPageBrowserTest.startBrowser(chromium, chromedriver);
        try (CorrectionPublisher publisher = new CorrectionPublisher(KafkaSettings.of(bootstrap), corrections, Duration.ofSeconds(30));
             ReviewServer server = ReviewServer.start(config, new ReviewBuckets(), moved, publisher)) {
            browser.get(server.uri().toString());
            WebElement family = await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                    browser.findElement(By.cssSelector("a.moved[data-family='wm-Compression']")), e -> e != null);
            assertThat(family.getText()).contains("v1.5 → v1.6").contains("2 of 3 moved");
            assertThat(browser.findElement(By.cssSelector("li.moved-none[data-family='wm-Binary']")).getText())
                    .as("one revision: nothing to compare").contains("only revision v0.1");
            family.click();
            await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElements(By.cssSelector("#grid .card")).size() == 2);
            assertThat(browser.findElements(By.cssSelector("#grid .card")).stream().map(c -> c.getDomAttribute("data-id")).toList())
                    .as("most confident change first: JPEG 0.85, WEBP 0.60").containsExactly("street", "harbour");
            assertThat(browser.findElement(By.cssSelector(".card[data-id='street'] .change")).getText()).isEqualTo("Pass 0.800 → JPEG 0.850");

            // The old revision was right about "street": 0 = Pass.
            assertThat(ReviewPageBrowserTest.selectedId(browser)).isEqualTo("street");
            new Actions(browser).sendKeys("0").perform();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    "Pass".equals(browser.findElement(By.cssSelector(".card[data-id='street']")).getDomAttribute("data-marked")));
            assertThat(ReviewPageBrowserTest.selectedId(browser)).isEqualTo("harbour");

            List<Correction> published = TopicReader.readCommitted(bootstrap, corrections, Duration.ofSeconds(30)).stream()
                    .map(r -> CORRECTION.decode(r.value())).toList();
            assertThat(published).singleElement().satisfies(c -> {
                assertThat(c.getId()).isEqualTo("street");
                assertThat(c.getHead()).isEqualTo(NEW);
                assertThat(c.getHeadRevision()).isEqualTo("v1.6");
                assertThat(c.getOldLabel()).isEqualTo("JPEG");
                assertThat(c.getNewLabel()).isEqualTo("Pass");
            });
        } finally {
            browser.quit();
        }
    }
}
