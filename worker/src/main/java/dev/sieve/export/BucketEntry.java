package dev.sieve.export;

/**
 * One image in one bucket folder; {@code probability} is NaN when the record does not say (written as empty), and
 * {@code perceptualHash} null when it has none.
 */
public record BucketEntry(String id, String uri, double probability, Long perceptualHash) {}
