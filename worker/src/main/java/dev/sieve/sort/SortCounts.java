package dev.sieve.sort;

/**
 * What the sorter has done since it started.
 *
 * @param images scored images read and decoded
 * @param untagged images that matched no bucket (written nowhere)
 * @param routed bucket records written (an image with three tags counts three)
 * @param unroutable tags dropped because their bucket topic cannot exist (name too long, or clashing with another bucket's)
 * @param undecodable records skipped because they were not a ScoredImage (Kafka Streams' {@code dropped-records-total})
 */
public record SortCounts(long images, long untagged, long routed, long unroutable, long undecodable) {}
