package dev.sieve.export;

/** One image in one bucket folder; {@code probability} is NaN when the record does not say (written as empty). */
public record BucketEntry(String id, String uri, double probability) {}
