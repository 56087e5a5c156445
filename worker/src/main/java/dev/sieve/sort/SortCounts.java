package dev.sieve.sort;

/**
 * What the sorter has done since it started.
 *
 * @param images scored images read and decoded
 * @param untagged images that matched no bucket (written nowhere)
 * @param routed bucket records written (an image with three tags counts three)
 * @param unroutable tags dropped because their bucket topic cannot exist (name too long, or clashing with another bucket's)
 * @param undecodable records skipped because they were not a ScoredImage or a Correction (Kafka Streams' {@code dropped-records-total})
 * @param corrected corrections that re-routed an image already sorted
 * @param removals removal markers (tombstones) written to buckets an image left, after a correction or a re-score
 */
public record SortCounts(long images, long untagged, long routed, long unroutable, long undecodable, long corrected, long removals) {

    /** Counts of a run that saw no correction and moved nothing. */
    public SortCounts(long images, long untagged, long routed, long unroutable, long undecodable) {
        this(images, untagged, routed, unroutable, undecodable, 0, 0);
    }
}
