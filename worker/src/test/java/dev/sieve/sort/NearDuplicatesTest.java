package dev.sieve.sort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The grouping against brute force: a seeded loop (see {@code AddressPolicyProperties} for why not jqwik); each run
 * draws new hashes, a failure names its seed, {@code -Dsieve.property.seed=N} replays it.
 */
class NearDuplicatesTest {
    static final long SEED = Long.getLong("sieve.property.seed", System.nanoTime());

    @Test
    void everyBlockCountFindsExactlyTheGroupsBruteForceFinds() {
        Random random = new Random(SEED);
        for (int round = 0; round < 40; round++) {
            int distance = 1 + random.nextInt(16);
            long[] hashes = plantedFeed(random, 200 + random.nextInt(600), distance);
            int[] expected = NearDuplicates.components(hashes, distance, 0);
            assertThat(Arrays.stream(expected).distinct().count()).as("planted pairs join (seed %d)", SEED).isLessThan(hashes.length);
            for (int blocks = 1; blocks <= Math.min(64, distance + 1); blocks++) {
                if ((64 + blocks - 1) / blocks > HashBlockIndex.MAX_BLOCK_BITS) continue;
                assertThat(NearDuplicates.components(hashes, distance, blocks))
                        .as("%d blocks, distance %d, seed %d", blocks, distance, SEED).isEqualTo(expected);
            }
            assertThat(NearDuplicates.components(hashes, distance)).as("the chosen block count, seed %d", SEED).isEqualTo(expected);
        }
    }

    @Test
    void pairsAtExactlyTheDistanceJoinAndOneBitFurtherDoNot() {
        Random random = new Random(SEED);
        for (int round = 0; round < 200; round++) {
            int distance = 1 + random.nextInt(20);
            long a = random.nextLong();
            long[] hashes = {a, flip(random, a, distance), flip(random, a, distance + 1)};
            // The third is distance+1 from a; it may lie within distance of the second by chance, so ask brute force.
            int[] expected = NearDuplicates.components(hashes, distance, 0);
            assertThat(expected[1]).as("seed %d", SEED).isZero();
            assertThat(NearDuplicates.components(hashes, distance, HashBlockIndex.blocksFor(1000, distance)))
                    .as("seed %d", SEED).isEqualTo(expected);
        }
    }

    @Test
    void groupsAreTransitiveAndNamedAfterTheirSmallestId() {
        long a = 0x0123_4567_89ab_cdefL;
        long b = a ^ 0x3ffL;          // 10 bits from a
        long c = b ^ (0x3ffL << 20);  // 10 bits from b, 20 from a
        long far = ~a;
        NearDuplicateGroups groups = NearDuplicates.group(List.of(new NearDuplicates.Hashed("m", b),
                new NearDuplicates.Hashed("z", a), new NearDuplicates.Hashed("c", c), new NearDuplicates.Hashed("far", far),
                new NearDuplicates.Hashed("a-no-hash", null)), 10);

        assertThat(groups.groups()).containsExactly(List.of("c", "m", "z"));
        assertThat(groups.groupOf("z")).isEqualTo("c");
        assertThat(groups.sizeOf("m")).isEqualTo(3);
        assertThat(groups.isRepresentative("c")).isTrue();
        assertThat(groups.isRepresentative("z")).isFalse();
        assertThat(groups.groupOf("far")).isEqualTo("far");
        assertThat(groups.groupOf("a-no-hash")).as("no hash: alone, even though its id is the smallest").isEqualTo("a-no-hash");
        assertThat(groups.sizeOf("a-no-hash")).isEqualTo(1);

        NearDuplicateGroups narrower = NearDuplicates.group(List.of(new NearDuplicates.Hashed("m", b),
                new NearDuplicates.Hashed("z", a), new NearDuplicates.Hashed("c", c)), 9);
        assertThat(narrower.groups()).isEmpty();
    }

    @Test
    void theRepresentativeDoesNotDependOnTheOrderImagesArrive() {
        Random random = new Random(SEED);
        long[] hashes = plantedFeed(random, 300, 10);
        List<NearDuplicates.Hashed> images = new ArrayList<>();
        for (int i = 0; i < hashes.length; i++) images.add(new NearDuplicates.Hashed("img-" + random.nextInt(1_000_000) + "-" + i, hashes[i]));
        NearDuplicateGroups first = NearDuplicates.group(images, 10);
        Collections.shuffle(images, random);
        NearDuplicateGroups second = NearDuplicates.group(images, 10);
        assertThat(second.groups()).as("seed %d", SEED).isEqualTo(first.groups()).isNotEmpty();
        for (List<String> g : first.groups()) assertThat(first.groupOf(g.get(1))).isEqualTo(g.get(0));
    }

    @Test
    void distanceZeroGroupsNothingNotEvenEqualHashes() {
        NearDuplicateGroups groups = NearDuplicates.group(List.of(new NearDuplicates.Hashed("a", 42L),
                new NearDuplicates.Hashed("b", 42L)), 0);
        assertThat(groups.groups()).isEmpty();
        assertThat(groups.groupOf("b")).isEqualTo("b");
        assertThat(NearDuplicates.group(List.of(new NearDuplicates.Hashed("a", 42L), new NearDuplicates.Hashed("b", 42L)), 1).groups())
                .containsExactly(List.of("a", "b"));
    }

    @Test
    void refusesAnIdGivenTwiceAndADistanceOutOfRange() {
        assertThatThrownBy(() -> NearDuplicates.group(List.of(new NearDuplicates.Hashed("a", 1L), new NearDuplicates.Hashed("a", 2L)), 10))
                .hasMessageContaining("id a given twice");
        assertThatThrownBy(() -> NearDuplicates.group(List.of(), 33)).hasMessageContaining("near-duplicate-distance");
    }

    @Test
    void theBlockCountGrowsFinerForFewHashesAndCoarserForMany() {
        assertThat(HashBlockIndex.blocksFor(20, 10)).as("a few: every pair").isZero();
        assertThat(HashBlockIndex.blocksFor(10_000, 10)).isGreaterThan(HashBlockIndex.blocksFor(1_000_000, 10));
        assertThat(HashBlockIndex.blocksFor(1_000_000, 10)).isBetween(3, 4);
    }

    /** Random hashes, and for a third of them a copy within {@code distance} bits (some copies of copies). */
    static long[] plantedFeed(Random random, int n, int distance) {
        long[] hashes = new long[n];
        for (int i = 0; i < n; i++) {
            hashes[i] = i > 0 && random.nextInt(3) == 0
                    ? flip(random, hashes[random.nextInt(i)], 1 + random.nextInt(distance))
                    : random.nextLong();
        }
        return hashes;
    }

    /** {@code hash} with exactly {@code bits} of its bits flipped. */
    static long flip(Random random, long hash, int bits) {
        long mask = 0;
        while (Long.bitCount(mask) < bits) mask |= 1L << random.nextInt(64);
        return hash ^ mask;
    }
}
