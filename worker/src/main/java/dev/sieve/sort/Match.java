package dev.sieve.sort;

/** An image belongs to {@code bucket}; {@code probability} is the label's probability (or the score, for score bands). */
public record Match(Bucket bucket, double probability) {}
