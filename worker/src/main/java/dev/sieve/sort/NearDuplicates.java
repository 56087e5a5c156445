package dev.sieve.sort;

import dev.sieve.config.Setting;
import dev.sieve.config.Setting.Accepts;
import dev.sieve.image.PerceptualHash;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Groups images that are the same picture: two images whose perceptual hashes ({@link PerceptualHash}, in every
 * scored record) differ in at most the distance are near-duplicates, and groups are closed under it (if a is near b
 * and b near c, all three are one group, even when a and c are further apart). Pairs are found by
 * {@link HashBlockIndex} (multi-index hashing, sub-quadratic), joined with a union-find.
 *
 * <p>The group's representative, and its id, is its <em>smallest id</em> (Java string order): it does not depend on
 * the order in which partitions were read, so two exports or two review sessions of the same records agree. An image
 * without a hash (scored by a worker older than the field) is a group of its own.
 */
public final class NearDuplicates {
    public static final Setting<Integer> DISTANCE = Setting.integer("near-duplicate-distance", PerceptualHash.NEAR_DUPLICATE_DISTANCE)
            .accepts(Accepts.between(0, 32))
            .doc("Images whose perceptual hashes differ in at most this many bits are one near-duplicate group (transitively); "
                    + "10 is the largest with no false positive measured (docs/records.md). 0: no grouping.");

    /** One image: its id and its perceptual hash, null when its record has none. */
    public record Hashed(String id, Long hash) {}

    private NearDuplicates() {}

    /**
     * The near-duplicate groups of {@code images} (ids distinct) at {@code distance} bits; 0 leaves every image alone.
     */
    public static NearDuplicateGroups group(List<Hashed> images, int distance) {
        DISTANCE.require(distance);
        List<Hashed> sorted = new ArrayList<>(images);
        // By id, so that the smallest index of a group is its smallest id: the representative.
        sorted.sort(Comparator.comparing(Hashed::id));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).id().equals(sorted.get(i - 1).id())) throw new IllegalArgumentException("id " + sorted.get(i).id() + " given twice");
        }
        List<Integer> withHash = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) if (sorted.get(i).hash() != null) withHash.add(i);
        long[] hashes = new long[withHash.size()];
        for (int k = 0; k < hashes.length; k++) hashes[k] = sorted.get(withHash.get(k)).hash();
        int[] root = distance == 0 ? identity(hashes.length) : components(hashes, distance);
        String[] representative = new String[sorted.size()];
        for (int i = 0; i < sorted.size(); i++) representative[i] = sorted.get(i).id();
        for (int k = 0; k < hashes.length; k++) representative[withHash.get(k)] = sorted.get(withHash.get(root[k])).id();
        List<String> ids = sorted.stream().map(Hashed::id).toList();
        return new NearDuplicateGroups(ids, List.of(representative));
    }

    /**
     * For each hash, the smallest index of its group: hashes within {@code distance} bits joined transitively. The
     * index chooses its block count for the size of the input ({@link HashBlockIndex#blocksFor}).
     */
    public static int[] components(long[] hashes, int distance) {
        return components(hashes, distance, HashBlockIndex.blocksFor(hashes.length, distance));
    }

    /** As {@link #components(long[], int)} with {@code blocks} blocks; 0 compares every pair. */
    static int[] components(long[] hashes, int distance, int blocks) {
        int[] parent = identity(hashes.length);
        HashBlockIndex.PairSink union = (i, j) -> {
            int a = find(parent, i);
            int b = find(parent, j);
            // The smaller index becomes the root, so a root is always its group's smallest index.
            if (a < b) parent[b] = a;
            else if (b < a) parent[a] = b;
        };
        if (blocks == 0) {
            for (int i = 0; i < hashes.length; i++) {
                for (int j = i + 1; j < hashes.length; j++) {
                    if (Long.bitCount(hashes[i] ^ hashes[j]) <= distance) union.accept(i, j);
                }
            }
        } else {
            new HashBlockIndex(hashes, distance, blocks).forEachPair(union);
        }
        for (int i = 0; i < parent.length; i++) parent[i] = find(parent, i);
        return parent;
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]]; // path halving: later finds on this path take half the steps
            i = parent[i];
        }
        return i;
    }

    private static int[] identity(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = i;
        return out;
    }
}
