package dev.sieve.sort;

import java.util.ArrayList;
import java.util.List;

/**
 * Multi-index hashing (Norouzi, Punjani and Fleet): the 64 bits cut into {@code m} blocks, a table per block from the
 * block's value to the hashes that have it. Two hashes within {@code t} bits of each other differ in at most
 * {@code floor(t/m)} bits in one of the blocks at least (pigeonhole), so comparing each block value's hashes with
 * those of every value within that radius finds every pair within {@code t}, plus candidates that
 * {@code Long.bitCount} then rejects.
 *
 * <p>Why not always {@code t+1} blocks and exact block matches: at the measured {@code t = 10} that makes blocks of
 * 5-6 bits, which a random hash shares with 1 in 32-64 others, so every image would be compared with a sixth of the
 * feed (quadratic again). {@link #blocksFor} picks {@code m} by the expected work for the feed's size instead (at
 * t = 10: every pair up to a couple of hundred hashes, 11 blocks of 5-6 bits up to a few thousand, 6 of 10-11 bits
 * (radius 1) at 10 000, 4 of 16 bits (radius 2) from about 100 000 to a few million). Tables are arrays indexed by the
 * block value (compressed rows); blocks are at most {@link #MAX_BLOCK_BITS} wide to bound their size (4 M entries,
 * 16 MB each). Memory: 12 bytes per hash and block, plus the tables.
 */
final class HashBlockIndex {
    static final int MAX_BLOCK_BITS = 22;

    private final long[] hashes;
    private final int distance;
    private final int[] shift;
    private final int[] width;
    /** Per block: where each block value's hashes start in {@link #members} (length 2^width + 1). */
    private final int[][] starts;
    /** Per block: indexes of the hashes, grouped by block value. */
    private final int[][] members;
    /**
     * Per block: the hashes in {@link #members}' order, so that comparing two buckets reads memory in sequence
     * instead of jumping into {@link #hashes} once per candidate (a cache miss each at a million hashes).
     */
    private final long[][] memberHashes;
    /** Per block: every XOR mask of its width within the probing radius. */
    private final int[][] masks;

    HashBlockIndex(long[] hashes, int distance, int blocks) {
        if (blocks < 1 || blocks > 64 || (64 + blocks - 1) / blocks > MAX_BLOCK_BITS) {
            throw new IllegalArgumentException(blocks + " blocks: each must be 1 to " + MAX_BLOCK_BITS + " bits wide");
        }
        this.hashes = hashes;
        this.distance = distance;
        int radius = distance / blocks;
        shift = new int[blocks];
        width = new int[blocks];
        starts = new int[blocks][];
        members = new int[blocks][];
        memberHashes = new long[blocks][];
        masks = new int[blocks][];
        int at = 0;
        for (int b = 0; b < blocks; b++) {
            width[b] = 64 / blocks + (b < 64 % blocks ? 1 : 0);
            shift[b] = at;
            at += width[b];
            masks[b] = masks(width[b], radius);
            int[] count = new int[(1 << width[b]) + 1];
            for (long h : hashes) count[key(h, b) + 1]++;
            for (int k = 1; k < count.length; k++) count[k] += count[k - 1];
            int[] fill = count.clone();
            int[] m = new int[hashes.length];
            long[] mh = new long[hashes.length];
            for (int i = 0; i < hashes.length; i++) {
                int slot = fill[key(hashes[i], b)]++;
                m[slot] = i;
                mh[slot] = hashes[i];
            }
            starts[b] = count;
            members[b] = m;
            memberHashes[b] = mh;
        }
    }

    private int key(long hash, int block) {
        return (int) ((hash >>> shift[block]) & ((1L << width[block]) - 1));
    }

    /**
     * Calls {@code pairs} once or more for every pair {@code i < j} whose hashes lie within the distance. Bucket by
     * bucket rather than hash by hash: each block value's hashes are compared with those of every value within the
     * radius, both read in sequence, so a bucket is fetched once for all its hashes instead of once per hash (at a
     * million hashes, per hash cost 64 µs, nearly all cache misses; see docs/performance.md).
     */
    void forEachPair(PairSink pairs) {
        for (int b = 0; b < shift.length; b++) {
            int[] s = starts[b];
            int[] m = members[b];
            long[] mh = memberHashes[b];
            int values = 1 << width[b];
            for (int k = 0; k < values; k++) {
                int from = s[k];
                int to = s[k + 1];
                if (from == to) continue;
                for (int mask : masks[b]) {
                    int other = k ^ mask;
                    if (other < k) continue; // the pair of buckets (other, k) was compared from other's side
                    int otherTo = s[other + 1];
                    for (int q = from; q < to; q++) {
                        long h = mh[q];
                        for (int c = other == k ? q + 1 : s[other]; c < otherTo; c++) {
                            if (Long.bitCount(h ^ mh[c]) <= distance) pairs.accept(Math.min(m[q], m[c]), Math.max(m[q], m[c]));
                        }
                    }
                }
            }
        }
    }

    interface PairSink {
        void accept(int i, int j);
    }

    /**
     * The block count with the least expected work for {@code n} uniform hashes: per block, a visit to every pair of
     * block values within the radius (the values that hold a hash times the masks, counted four times a comparison:
     * a jump in memory) plus the comparisons of their hashes ({@code n/2^width} on each side, half the pairs), plus
     * building the tables. Returns 0 when comparing every pair is cheaper (up to a few hundred hashes, or a distance
     * so large no block helps).
     */
    static int blocksFor(int n, int distance) {
        double best = (double) n * (n - 1) / 2;
        int choice = 0;
        for (int m = 1; m <= Math.min(64, distance + 1); m++) {
            if ((64 + m - 1) / m > MAX_BLOCK_BITS) continue;
            int radius = distance / m;
            double cost = 0;
            for (int b = 0; b < m; b++) {
                int w = 64 / m + (b < 64 % m ? 1 : 0);
                double masks = masksWithin(w, radius);
                double values = Math.pow(2, w);
                cost += Math.min(values, n) * masks * 4 + (double) n * masks * (n / values) / 2 + values + n;
            }
            if (cost < best) {
                best = cost;
                choice = m;
            }
        }
        return choice;
    }

    /** How many values lie within {@code radius} bits of one of {@code width} bits. */
    static double masksWithin(int width, int radius) {
        double sum = 0;
        double c = 1;
        for (int k = 0; k <= Math.min(radius, width); k++) {
            sum += c;
            c = c * (width - k) / (k + 1);
        }
        return sum;
    }

    private static int[] masks(int width, int radius) {
        List<Integer> out = new ArrayList<>();
        addMasks(0, 0, width, Math.min(radius, width), out);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void addMasks(int mask, int from, int width, int left, List<Integer> out) {
        out.add(mask);
        if (left == 0) return;
        for (int bit = from; bit < width; bit++) addMasks(mask | (1 << bit), bit + 1, width, left - 1, out);
    }
}
