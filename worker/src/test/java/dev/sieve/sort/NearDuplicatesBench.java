package dev.sieve.sort;

/** The grouping's package-private parts, for the benchmark (bench/HashBench) in another package. */
public final class NearDuplicatesBench {
    private NearDuplicatesBench() {}

    public static int blocksFor(int n, int distance) {
        return HashBlockIndex.blocksFor(n, distance);
    }

    /** Every pair compared: what the index must equal. */
    public static int[] bruteForce(long[] hashes, int distance) {
        return NearDuplicates.components(hashes, distance, 0);
    }
}
