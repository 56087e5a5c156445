package dev.sieve.work;

import dev.sieve.config.Setting;
import dev.sieve.config.Setting.Accepts;
import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import dev.sieve.image.PixelBudget;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.Topics;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;

/**
 * How a worker talks to Kafka and how much it keeps in flight. Its settings (names, defaults, ranges, docs) are
 * {@link #SETTINGS}; a command builds it with {@link #of}, a test from {@code SETTINGS.defaults().set(...)}.
 *
 * @param kafka            the Kafka client settings (bootstrap servers, client file, schema registry)
 * @param groupId          consumer group shared by all workers (partitions are spread over its members)
 * @param inputTopic       where ImageRefs arrive
 * @param scoredTopic      where ScoredImages go
 * @param failedTopic      where FailedImages go
 * @param workerId         this worker's name in records and in its transactional id; unique per live worker
 * @param maxInFlight      images between poll and commit; above it the consumer pauses (back-pressure)
 * @param batchCrops       crops per CLIP forward pass (several images share one pass)
 * @param batchWait        longest a crop waits for its batch to fill
 * @param prepareThreads   threads decoding and preprocessing images
 * @param commitInterval   how often finished results are written and their offsets committed, in one transaction
 * @param delivery         EXACTLY_ONCE (default): results and offsets in one Kafka transaction; AT_LEAST_ONCE: results
 *                         written and acknowledged first, offsets committed after, no transactions (lower latency for
 *                         readers; a crash between the two repeats some results, which readers drop by id)
 * @param failureLog       one log line per failed image: TEXT (key=value) or JSON (the fields as the JSON layout's key-values)
 * @param pixelBudgetMegapixels decoded megapixels the prepare threads hold at once (see {@link PixelBudget}); an
 *                         image waits after its header until its pixels fit. 8-bit images hold at most 4 bytes a
 *                         pixel while decoding (alpha, CMYK and 16-bit images are charged 2x or 3x), so the
 *                         default 192 bounds decoding to about 768 MB of heap however many prepare threads there
 *                         are: three 50-megapixel images at once. An image larger than the budget decodes alone.
 * @param fetchBudgetMegabytes encoded MiB held at once by fetches and by images not decoded yet. A fetch reserves
 *                         its body's Content-Length when the headers are in (the fetcher's max bytes when there is
 *                         none) and reads the body once that fits, keeping only the body's size once it arrived.
 */
public record WorkerConfig(KafkaSettings kafka, String groupId, String inputTopic, String scoredTopic,
                           String failedTopic, String workerId, int maxInFlight, int batchCrops, Duration batchWait,
                           int prepareThreads, Duration commitInterval, Delivery delivery,
                           FailureLog.Format failureLog, int pixelBudgetMegapixels,
                           int fetchBudgetMegabytes) {

    public enum Delivery { EXACTLY_ONCE, AT_LEAST_ONCE }

    /** The gate counts pixels in an int: 2047 megapixels is the most it can hold. */
    public static final int MAX_PIXEL_BUDGET_MEGAPIXELS = Integer.MAX_VALUE / 1_000_000;

    private static final Accepts<String> TOPIC = Accepts.matching("[A-Za-z0-9._-]{1,249}",
            "a Kafka topic name (letters, digits, '.', '_', '-', at most 249)");

    public static final Setting<String> GROUP = Setting.text("group", "sieve-workers").accepts(Accepts.notBlank())
            .doc("Consumer group (or share group) shared by all workers; partitions are spread over its members.");
    public static final Setting<String> INPUT_TOPIC = Setting.text("input-topic", Topics.IN).accepts(TOPIC)
            .doc("Where the ImageRefs come from.");
    public static final Setting<String> SCORED_TOPIC = Setting.text("scored-topic", Topics.SCORED).accepts(TOPIC)
            .doc("Where ScoredImages go.");
    public static final Setting<String> FAILED_TOPIC = Setting.text("failed-topic", Topics.FAILED).accepts(TOPIC)
            .doc("Where FailedImages go.");
    public static final Setting<String> WORKER_ID = Setting.text("worker-id", null).accepts(Accepts.notBlank())
            .computedDefault("host-pid", WorkerConfig::defaultWorkerId)
            .doc("This worker's id in records and in its transactional id; unique per live worker.");
    public static final Setting<Integer> MAX_IN_FLIGHT = Setting.integer("max-in-flight", 64).accepts(Accepts.atLeast(1))
            .doc("Images between poll and commit before the consumer pauses (back-pressure).");
    public static final Setting<Integer> BATCH_CROPS = Setting.integer("batch-crops", 32).accepts(Accepts.atLeast(1))
            .doc("Crops per CLIP forward pass (several images share one pass).");
    public static final Setting<Long> BATCH_WAIT_MS = Setting.longValue("batch-wait-ms", 20).accepts(Accepts.atLeast(0L))
            .doc("Longest a crop waits for its batch to fill.");
    public static final Setting<Integer> PREPARE_THREADS = Setting.integer("prepare-threads", 1).accepts(Accepts.atLeast(1))
            .computedDefault("cores - 1", () -> String.valueOf(Math.max(1, Runtime.getRuntime().availableProcessors() - 1)))
            .doc("Threads decoding and preprocessing images.");
    public static final Setting<Long> COMMIT_INTERVAL_MS = Setting.longValue("commit-interval-ms", 100)
            .accepts(Accepts.atLeast(1L)).notAnOption()
            .doc("How often finished results are written and their offsets committed, in one transaction.");
    public static final Setting<Delivery> DELIVERY = Setting.choice("delivery", Delivery.EXACTLY_ONCE)
            .doc("Group mode: EXACTLY_ONCE (results and offsets in one transaction; readers use read_committed) or "
                    + "AT_LEAST_ONCE (no transactions: results visible at once, offsets committed after them; a crash "
                    + "can repeat a few results, which readers drop by id).");
    public static final Setting<Integer> PIXEL_BUDGET_MP = Setting.integer("pixel-budget-mp", 192)
            .accepts(Accepts.between(1, MAX_PIXEL_BUDGET_MEGAPIXELS)).paramLabel("MEGAPIXELS")
            .doc("Decoded megapixels all prepare threads hold at once (heap bound for decoding): an image waits after "
                    + "its header until its pixels fit; one larger than the budget decodes alone. At most 4 bytes a "
                    + "pixel (alpha, CMYK and 16-bit images count 2x or 3x), so the default is about 768 MB.");
    public static final Setting<Integer> FETCH_BUDGET_MB = Setting.integer("fetch-budget-mb", 384)
            .accepts(Accepts.atLeast(1)).paramLabel("MIB")
            .doc("Encoded MiB held at once by downloads and by images not decoded yet (heap bound for fetching). A "
                    + "download reserves its Content-Length when the headers are in (twice --max-bytes when the server "
                    + "sends none) and reads the body once that fits; it keeps only the body's size once it has arrived.");

    public static final Settings SETTINGS = Settings.of("worker", GROUP, INPUT_TOPIC, SCORED_TOPIC, FAILED_TOPIC,
            WORKER_ID, MAX_IN_FLIGHT, BATCH_CROPS, BATCH_WAIT_MS, PREPARE_THREADS, COMMIT_INTERVAL_MS, DELIVERY,
            FailureLog.FORMAT, PIXEL_BUDGET_MP, FETCH_BUDGET_MB);

    public WorkerConfig {
        require(kafka != null, "Kafka settings must be given");
        GROUP.require(groupId);
        WORKER_ID.require(workerId);
        MAX_IN_FLIGHT.require(maxInFlight);
        BATCH_CROPS.require(batchCrops);
        BATCH_WAIT_MS.require(batchWait.toMillis());
        PREPARE_THREADS.require(prepareThreads);
        COMMIT_INTERVAL_MS.require(commitInterval.toMillis());
        require(delivery != null, "delivery must be given");
        require(failureLog != null, "failure log format must be given");
        PIXEL_BUDGET_MP.require(pixelBudgetMegapixels);
        FETCH_BUDGET_MB.require(fetchBudgetMegabytes);
    }

    /** The worker settings of {@code values} (a command's, or {@code SETTINGS.defaults()} with some set). */
    public static WorkerConfig of(KafkaSettings kafka, Values values) {
        return new WorkerConfig(kafka, values.get(GROUP), values.get(INPUT_TOPIC), values.get(SCORED_TOPIC),
                values.get(FAILED_TOPIC), values.get(WORKER_ID), values.get(MAX_IN_FLIGHT), values.get(BATCH_CROPS),
                Duration.ofMillis(values.get(BATCH_WAIT_MS)), values.get(PREPARE_THREADS),
                Duration.ofMillis(values.get(COMMIT_INTERVAL_MS)), values.get(DELIVERY), values.get(FailureLog.FORMAT),
                values.get(PIXEL_BUDGET_MP), values.get(FETCH_BUDGET_MB));
    }

    /** Every setting at its default, against a plain broker. */
    public static WorkerConfig defaults(String bootstrapServers) {
        return of(KafkaSettings.of(bootstrapServers), SETTINGS.defaults());
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** The fetch budget in bytes. */
    public long fetchBudgetBytes() {
        return fetchBudgetMegabytes * 1024L * 1024;
    }

    /** The budget in pixels. */
    public long pixelBudget() {
        return pixelBudgetMegapixels * 1_000_000L;
    }

    boolean transactional() {
        return delivery == Delivery.EXACTLY_ONCE;
    }

    /** host-pid: unique among live workers, readable in records and in Kafka's tools. */
    public static String defaultWorkerId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "localhost";
        }
        return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }
}
