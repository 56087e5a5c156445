package dev.sieve.metrics;

/**
 * Micrometer names of sieve's own meters. Prometheus sees them with dots as underscores, counters ending in
 * {@code _total} and timers in {@code _seconds} (e.g. {@code sieve.worker.stage} → {@code sieve_worker_stage_seconds_bucket}).
 * The dashboard and alerts in ops/ use those names; a test checks they are all served.
 */
public final class MeterNames {
    /** Images committed, tag {@code outcome} = scored | failed. */
    public static final String WORKER_IMAGES = "sieve.worker.images";
    /** Crops through CLIP (one image is 1 or 5 crops, plus the whole image when a score head needs it). */
    public static final String WORKER_CROPS = "sieve.worker.crops";
    /** Crops per CLIP forward pass. */
    public static final String WORKER_BATCH_CROPS = "sieve.worker.batch.crops";
    /** Time from a batch's first crop to the batch closing (full or waited long enough). */
    public static final String WORKER_BATCH_FILL = "sieve.worker.batch.fill";
    /** Per-image latency of one stage, tag {@code stage} = fetch | decode | preprocess | infer | total. */
    public static final String WORKER_STAGE = "sieve.worker.stage";
    /** Images between poll and commit. */
    public static final String WORKER_IN_FLIGHT = "sieve.worker.in.flight";
    /** Fetched (encoded) bytes of images still being decoded or scored. */
    public static final String WORKER_IN_FLIGHT_BYTES = "sieve.worker.in.flight.bytes";
    /** Prepare threads waiting for the pixel budget (their image's header is read, its pixels do not fit yet). */
    public static final String WORKER_PIXEL_BUDGET_WAITING = "sieve.worker.pixel.budget.waiting";
    /** Pixels of the pixel budget free right now. */
    public static final String WORKER_PIXEL_BUDGET_FREE = "sieve.worker.pixel.budget.free.pixels";
    /**
     * Images prepared on the host although --preprocess-on device was asked, because the device step lacks their mode
     * (CMYK): counted, never scored differently.
     */
    public static final String WORKER_PREPROCESS_FALLBACK = "sieve.worker.preprocess.fallback";
    /** Fetches waiting for room in the fetch budget before they start. */
    public static final String WORKER_FETCH_BUDGET_WAITING = "sieve.worker.fetch.budget.waiting";
    /** Failed images, tags {@code stage} and {@code code} (the FailedImage's). */
    public static final String WORKER_FAILURES = "sieve.worker.failures";
    /** Records behind on the partitions this worker owns (from its consumer's positions). */
    public static final String WORKER_CONSUMER_LAG = "sieve.worker.consumer.lag";
    /** Partitions of the input topic this worker owns. */
    public static final String WORKER_ASSIGNED_PARTITIONS = "sieve.worker.assigned.partitions";
    /** Kafka transactions, tag {@code result} = committed | aborted. */
    public static final String WORKER_TRANSACTIONS = "sieve.worker.transactions";
    /** How long loading CLIP and the heads took at start. */
    public static final String WORKER_MODEL_LOAD = "sieve.worker.model.load";
    /** Attempts to swap in a new head revision from the watched heads folder, tag {@code result} = loaded | failed. */
    public static final String WORKER_HEAD_RELOADS = "sieve.worker.head.reloads";
    /** Always 1, tags {@code jpeg} = libjpeg-turbo | imageio and {@code png} = libdeflate | java.util.zip. */
    public static final String DECODER_INFO = "sieve.decoder.info";

    /** Scored images the sorter read. */
    public static final String SORT_IMAGES = "sieve.sort.images";
    /** Bucket records written, tag {@code bucket} (the topic). */
    public static final String SORT_ROUTED = "sieve.sort.routed";
    /** Images that matched no bucket. */
    public static final String SORT_UNTAGGED = "sieve.sort.untagged";
    /** Tags dropped because their bucket topic cannot exist. */
    public static final String SORT_UNROUTABLE = "sieve.sort.unroutable";
    /** Records on the input that were not a ScoredImage. */
    public static final String SORT_UNDECODABLE = "sieve.sort.undecodable";

    private MeterNames() {}
}
