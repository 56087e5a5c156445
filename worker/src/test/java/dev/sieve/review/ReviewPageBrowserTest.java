package dev.sieve.review;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sieve.avro.ClipModel;
import dev.sieve.avro.Correction;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.HeadKind;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.StageTimings;
import dev.sieve.fetch.FileRoot;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.kafka.TopicReader;
import dev.sieve.sort.BucketNames;
import dev.sieve.sort.SortApp;
import dev.sieve.sort.SortConfig;
import dev.sieve.sort.TagRules;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;

/**
 * The curator's loop in a real browser: Debian's headless Chromium opens the review page served in-process over
 * buckets that a running sorter filled on the embedded broker, marks an image with the keyboard, and the test checks
 * that the Correction reached the corrections topic and that the sorter moved the image to its new bucket. Skipped,
 * with the reason, where no Chromium and chromedriver are installed ({@code apt-get install chromium chromium-driver}).
 * Leaves a screenshot at {@code worker/target/screenshots/review.png}; with {@code -Dsieve.update-screenshots=true}
 * it also replaces the README's {@code scripts/screenshots/review.png}.
 */
class ReviewPageBrowserTest {
    private static final AvroSerde<ScoredImage> SCORED = AvroSerde.of(ScoredImage.class);
    private static final AvroSerde<Correction> CORRECTION = AvroSerde.of(Correction.class);
    private static final String HEAD = "rvw-Anime-Compression-v1.5";
    static final Path REPO = Path.of(System.getProperty("sieve.repo", "..")).toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void markingAnImageInTheBrowserPublishesACorrectionAndTheSorterMovesIt() throws Exception {
        Path chromium = executable("sieve.chromium", "/usr/bin/chromium");
        Path chromedriver = executable("sieve.chromedriver", "/usr/bin/chromedriver");

        String bootstrap = SharedKafka.bootstrapServers();
        String scored = "images.scored.review-test";
        String corrections = "images.corrections.review-test";
        SharedKafka.broker().createTopics(2, scored, corrections);
        // file: images from the repository's samples; probabilities chosen so the Pass bucket lists them in this order.
        produce(bootstrap, scored, List.of(
                image("garden", "garden-640x480.jpg", 640, 480, 0.95, 0.03, 0.02),
                image("street", "street-900x760.webp", 900, 760, 0.80, 0.15, 0.05),
                image("harbour", "harbour-1920x1080.jpg", 1920, 1080, 0.70, 0.20, 0.10),
                image("sketch", "sketch-500x700-grey.png", 500, 700, 0.55, 0.40, 0.05),
                image("lantern", "lantern-800x1200-rgba.png", 800, 1200, 0.10, 0.85, 0.05),
                image("badge", "badge-400x400.gif", 400, 400, 0.20, 0.10, 0.70)));

        SortConfig sortConfig = new SortConfig(scored, corrections, "review-test-sorter", TagRules.defaults(),
                SortConfig.Guarantee.EXACTLY_ONCE_V2, 1, (short) 1, 1, Optional.of(tmp.resolve("streams")));
        Pattern ours = Pattern.compile("images\\.bucket\\." + Pattern.quote(BucketNames.topic(HEAD, "x")
                .substring("images.bucket.".length(), BucketNames.topic(HEAD, "x").length() - 2)) + "\\..*");
        try (SortApp sorter = SortApp.start(sortConfig, KafkaSettings.of(bootstrap))) {
            await().atMost(Duration.ofSeconds(90)).until(() -> BucketLoader.fromTopics(KafkaSettings.of(bootstrap), ours, Duration.ofSeconds(30),
                    new java.io.PrintStream(java.io.OutputStream.nullOutputStream())).all().size() == 6);
            ReviewBuckets buckets = BucketLoader.fromTopics(KafkaSettings.of(bootstrap), ours, Duration.ofSeconds(30), System.out);
            ReviewConfig config = ReviewConfig.of(ReviewConfig.SETTINGS.defaults().set(ReviewConfig.PORT, 0)
                    .set(ReviewConfig.THUMBNAIL_CACHE, tmp.resolve("thumbs"))
                    .set(ReviewConfig.CORRECTIONS_TOPIC, corrections)
                    .set(FileRoot.READ_ROOT, REPO.resolve("scripts/samples")));

            WebDriver browser = startBrowser(chromium, chromedriver);
            try (CorrectionPublisher publisher = new CorrectionPublisher(KafkaSettings.of(bootstrap), corrections, Duration.ofSeconds(30));
                 ReviewServer server = ReviewServer.start(config, buckets, publisher)) {
                browser.get(server.uri().toString());
                WebElement pass = await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                        browser.findElement(By.cssSelector("a.bucket[data-head='" + HEAD + "'][data-label='Pass']")), e -> e != null);
                pass.click();
                await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElements(By.cssSelector("#grid .card")).size() == 4);
                assertThat(browser.findElements(By.cssSelector("#grid .card")).stream().map(c -> c.getDomAttribute("data-id")).toList())
                        .as("most confident first").containsExactly("garden", "street", "harbour", "sketch");

                // "street" is not a Pass: move to it (j) and say it should be label 1 (JPEG).
                Actions keys = new Actions(browser);
                keys.sendKeys("j").perform();
                assertThat(selectedId(browser)).isEqualTo("street");
                keys.sendKeys("1").perform();
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        "JPEG".equals(browser.findElement(By.cssSelector(".card[data-id='street']")).getDomAttribute("data-marked")));

                List<Correction> published = TopicReader.readCommitted(bootstrap, corrections, Duration.ofSeconds(30)).stream()
                        .map(r -> CORRECTION.decode(r.value())).toList();
                assertThat(published).singleElement().satisfies(c -> {
                    assertThat(c.getId()).isEqualTo("street");
                    assertThat(c.getHead()).isEqualTo(HEAD);
                    assertThat(c.getHeadRevision()).isEqualTo("v1.5");
                    assertThat(c.getOldLabel()).isEqualTo("Pass");
                    assertThat(c.getNewLabel()).isEqualTo("JPEG");
                });

                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    assertThat(latestValue(bootstrap, BucketNames.topic(HEAD, "JPEG"), "street")).as("now in JPEG").isPresent();
                    assertThat(latestValue(bootstrap, BucketNames.topic(HEAD, "Pass"), "street")).as("removed from Pass").isEmpty();
                });

                // The screenshot the README shows: the next image (tiled) selected, its five crop boxes and scores on hover.
                WebElement harbour = browser.findElement(By.cssSelector(".card[data-id='harbour']"));
                assertThat(selectedId(browser)).isEqualTo("harbour");
                assertThat(harbour.findElements(By.cssSelector(".box"))).hasSize(5);
                new Actions(browser).moveToElement(harbour).perform();
                screenshot(browser);
            } finally {
                browser.quit();
            }
        }
    }

    static String selectedId(WebDriver browser) {
        return browser.findElement(By.cssSelector("#grid .card.selected")).getDomAttribute("data-id");
    }

    /** Empty when the key's latest record on the topic is a removal marker (tombstone) or absent. */
    private static Optional<byte[]> latestValue(String bootstrap, String topic, String key) {
        byte[] latest = null;
        boolean seen = false;
        for (ConsumerRecord<String, byte[]> r : TopicReader.readCommitted(bootstrap, topic, Duration.ofSeconds(30))) {
            if (key.equals(r.key())) {
                latest = r.value();
                seen = true;
            }
        }
        return seen ? Optional.ofNullable(latest) : Optional.empty();
    }

    static Path executable(String property, String fallback) {
        Path p = Path.of(System.getProperty(property, fallback));
        Assumptions.assumeTrue(Files.isExecutable(p), () -> "SKIPPED: no browser for the review page test: " + p + " is missing "
                + "(install Debian's chromium and chromium-driver, as .ci/run does, or set -D" + property + "=PATH)");
        return p;
    }

    static WebDriver startBrowser(Path chromium, Path chromedriver) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + createTempDir("sieve-chromium-"), "--window-size=1280,860");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort().build();
        try {
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().window().setSize(new Dimension(1280, 860));
            return driver;
        } catch (WebDriverException e) {
            Assumptions.abort("SKIPPED: Chromium is installed but does not start here: " + e.getMessage().lines().findFirst().orElse(""));
            throw e;
        }
    }

    private static String createTempDir(String prefix) {
        try {
            // Under target/, so the browser profile (tens of MB) goes with the build instead of piling up in /tmp.
            Path target = Files.createDirectories(Path.of("target"));
            return Files.createTempDirectory(target, prefix).toAbsolutePath().toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void screenshot(WebDriver browser) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path target = REPO.resolve("worker/target/screenshots/review.png");
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        if (Boolean.getBoolean("sieve.update-screenshots")) {
            Path committed = REPO.resolve("scripts/screenshots/review.png");
            Files.createDirectories(committed.getParent());
            Files.copy(shot.toPath(), committed, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static ScoredImage image(String id, String file, int width, int height, double pass, double jpeg, double webp) {
        return image(HEAD, id, file, width, height, pass, jpeg, webp);
    }

    static ScoredImage image(String head, String id, String file, int width, int height, double pass, double jpeg, double webp) {
        boolean tiled = Math.min(width, height) > 672;
        List<LabelScore> labels = new ArrayList<>();
        String[] names = {"Pass", "JPEG", "WEBP"};
        double[] p = {pass, jpeg, webp};
        for (int i = 0; i < 3; i++) {
            List<Double> crops = new ArrayList<>();
            if (tiled) {
                // Five crop values whose mean is p[i]: the page shows them on the boxes.
                double[] spread = {0.04, -0.04, 0.02, -0.02, 0.0};
                for (double s : spread) crops.add(Math.min(1, Math.max(0, p[i] + s)));
            } else {
                crops.add(p[i]);
            }
            labels.add(new LabelScore(names[i], p[i], crops));
        }
        ImageRef ref = new ImageRef(id, REPO.resolve("scripts/samples/" + file).toUri().toString(), "review-test", Map.of(), Instant.ofEpochMilli(0), 0);
        return ScoredImage.newBuilder()
                .setRef(ref).setWidth(width).setHeight(height).setTiled(tiled)
                .setClip(new ClipModel("clip-test", "0".repeat(64), 336))
                .setHeads(List.of(new HeadScore(head, "v1.5", HeadKind.CLASSIFIER, tiled ? CropCombine.MEAN : CropCombine.SINGLE, labels)))
                .setTags(List.of()).setWorkerId("review-test")
                .setTimings(new StageTimings(0L, 0L, 0L, 0L, 0L))
                .setScoredAt(Instant.ofEpochMilli(0))
                .build();
    }

    static void produce(String bootstrap, String topic, List<ScoredImage> images) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (ScoredImage i : images) producer.send(new ProducerRecord<>(topic, i.getRef().getId(), SCORED.encode(i))).get();
        }
    }
}
