package dev.sieve.work;

import dev.sieve.image.PixelBudget;
import dev.sieve.kafka.Topics;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;

/**
 * How a worker talks to Kafka and how much it keeps in flight.
 *
 * @param bootstrapServers Kafka bootstrap servers
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
public record WorkerConfig(String bootstrapServers, String groupId, String inputTopic, String scoredTopic,
                           String failedTopic, String workerId, int maxInFlight, int batchCrops, Duration batchWait,
                           int prepareThreads, Duration commitInterval, Delivery delivery,
                           FailureLog.Format failureLog, int pixelBudgetMegapixels,
                           int fetchBudgetMegabytes) {

    /** The default of {@link #pixelBudgetMegapixels}: 768 MB of decoded pixels; docs/performance.md (Memory) has the arithmetic. */
    public static final int DEFAULT_PIXEL_BUDGET_MEGAPIXELS = 192;
    /** The default of {@link #fetchBudgetMegabytes}: seven 50 MiB bodies at worst; docs/performance.md (Memory) has the arithmetic. */
    public static final int DEFAULT_FETCH_BUDGET_MEGABYTES = 384;

    public enum Delivery { EXACTLY_ONCE, AT_LEAST_ONCE }

    public static final int MAX_PIXEL_BUDGET_MEGAPIXELS = Integer.MAX_VALUE / 1_000_000;

    /** Exactly once, the default. */
    public WorkerConfig(String bootstrapServers, String groupId, String inputTopic, String scoredTopic,
                        String failedTopic, String workerId, int maxInFlight, int batchCrops, Duration batchWait,
                        int prepareThreads, Duration commitInterval) {
        this(bootstrapServers, groupId, inputTopic, scoredTopic, failedTopic, workerId, maxInFlight, batchCrops,
                batchWait, prepareThreads, commitInterval, Delivery.EXACTLY_ONCE);
    }

    /** Failure lines as text, the default. */
    public WorkerConfig(String bootstrapServers, String groupId, String inputTopic, String scoredTopic,
                        String failedTopic, String workerId, int maxInFlight, int batchCrops, Duration batchWait,
                        int prepareThreads, Duration commitInterval, Delivery delivery) {
        this(bootstrapServers, groupId, inputTopic, scoredTopic, failedTopic, workerId, maxInFlight, batchCrops,
                batchWait, prepareThreads, commitInterval, delivery, FailureLog.Format.TEXT);
    }

    /** The default pixel and fetch budgets. */
    public WorkerConfig(String bootstrapServers, String groupId, String inputTopic, String scoredTopic,
                        String failedTopic, String workerId, int maxInFlight, int batchCrops, Duration batchWait,
                        int prepareThreads, Duration commitInterval, Delivery delivery, FailureLog.Format failureLog) {
        this(bootstrapServers, groupId, inputTopic, scoredTopic, failedTopic, workerId, maxInFlight, batchCrops,
                batchWait, prepareThreads, commitInterval, delivery, failureLog, DEFAULT_PIXEL_BUDGET_MEGAPIXELS,
                DEFAULT_FETCH_BUDGET_MEGABYTES);
    }

    public WorkerConfig {
        require(bootstrapServers != null && !bootstrapServers.isBlank(), "bootstrap servers must be given");
        require(groupId != null && !groupId.isBlank(), "group id must not be blank");
        require(workerId != null && !workerId.isBlank(), "worker id must not be blank");
        require(maxInFlight >= 1, "max in flight must be >= 1, got " + maxInFlight);
        require(batchCrops >= 1, "batch crops must be >= 1, got " + batchCrops);
        require(!batchWait.isNegative(), "batch wait must be >= 0, got " + batchWait);
        require(prepareThreads >= 1, "prepare threads must be >= 1, got " + prepareThreads);
        require(!commitInterval.isNegative() && !commitInterval.isZero(), "commit interval must be > 0, got " + commitInterval);
        require(delivery != null, "delivery must be given");
        require(failureLog != null, "failure log format must be given");
        // The gate counts pixels in an int: 2047 megapixels is the most it can hold.
        require(pixelBudgetMegapixels >= 1 && pixelBudgetMegapixels <= MAX_PIXEL_BUDGET_MEGAPIXELS,
                "pixel budget must be in [1, " + MAX_PIXEL_BUDGET_MEGAPIXELS + "] megapixels, got " + pixelBudgetMegapixels);
        require(fetchBudgetMegabytes >= 1, "fetch budget must be >= 1 MiB, got " + fetchBudgetMegabytes);
    }

    public static WorkerConfig defaults(String bootstrapServers) {
        return new WorkerConfig(bootstrapServers, "sieve-workers", Topics.IN, Topics.SCORED, Topics.FAILED,
                defaultWorkerId(), 64, 32, Duration.ofMillis(20),
                Math.max(1, Runtime.getRuntime().availableProcessors() - 1), Duration.ofMillis(100));
    }

    public WorkerConfig withWorkerId(String id) {
        return new WorkerConfig(bootstrapServers, groupId, inputTopic, scoredTopic, failedTopic, id, maxInFlight,
                batchCrops, batchWait, prepareThreads, commitInterval, delivery, failureLog, pixelBudgetMegapixels,
                fetchBudgetMegabytes);
    }

    public WorkerConfig withDelivery(Delivery delivery) {
        return new WorkerConfig(bootstrapServers, groupId, inputTopic, scoredTopic, failedTopic, workerId, maxInFlight,
                batchCrops, batchWait, prepareThreads, commitInterval, delivery, failureLog, pixelBudgetMegapixels,
                fetchBudgetMegabytes);
    }

    public WorkerConfig withFailureLog(FailureLog.Format failureLog) {
        return new WorkerConfig(bootstrapServers, groupId, inputTopic, scoredTopic, failedTopic, workerId, maxInFlight,
                batchCrops, batchWait, prepareThreads, commitInterval, delivery, failureLog, pixelBudgetMegapixels,
                fetchBudgetMegabytes);
    }

    public WorkerConfig withFetchBudgetMegabytes(int fetchBudgetMegabytes) {
        return new WorkerConfig(bootstrapServers, groupId, inputTopic, scoredTopic, failedTopic, workerId, maxInFlight,
                batchCrops, batchWait, prepareThreads, commitInterval, delivery, failureLog, pixelBudgetMegapixels,
                fetchBudgetMegabytes);
    }

    /** The fetch budget in bytes. */
    public long fetchBudgetBytes() {
        return fetchBudgetMegabytes * 1024L * 1024;
    }

    public WorkerConfig withPixelBudgetMegapixels(int pixelBudgetMegapixels) {
        return new WorkerConfig(bootstrapServers, groupId, inputTopic, scoredTopic, failedTopic, workerId, maxInFlight,
                batchCrops, batchWait, prepareThreads, commitInterval, delivery, failureLog, pixelBudgetMegapixels,
                fetchBudgetMegabytes);
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
