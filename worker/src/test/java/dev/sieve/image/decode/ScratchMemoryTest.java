package dev.sieve.image.decode;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import org.junit.jupiter.api.Test;

class ScratchMemoryTest {

    @Test
    void aThreadGetsItsBufferBackAndGrowsItOnlyWhenTooSmall() {
        ScratchMemory scratch = new ScratchMemory(1 << 20);
        Memory first;
        try (ScratchMemory.Lease a = scratch.lease(1000)) {
            first = a.memory();
            assertThat(a.own()).isFalse();
        }
        try (ScratchMemory.Lease b = scratch.lease(500)) {
            assertThat(b.memory()).isSameAs(first);
        }
        try (ScratchMemory.Lease c = scratch.lease(5000)) {
            assertThat(c.memory()).isNotSameAs(first);
            assertThat(c.memory().size()).isGreaterThanOrEqualTo(5000);
        }
        assertThat(first.valid()).as("the smaller buffer is freed when replaced").isFalse();
    }

    @Test
    void aRequestOverTheCapGetsABufferOfItsOwnFreedOnClose() {
        ScratchMemory scratch = new ScratchMemory(1024);
        Memory big;
        try (ScratchMemory.Lease lease = scratch.lease(4096)) {
            big = lease.memory();
            assertThat(lease.own()).isTrue();
            assertThat(big.size()).isEqualTo(4096);
        }
        assertThat(big.valid()).isFalse();
    }

    @Test
    void threadsPastTheTotalGetBuffersOfTheirOwnSoKeptMemoryDoesNotGrowWithThePool() throws Exception {
        ScratchMemory scratch = new ScratchMemory(1000, 2500);
        java.util.List<Boolean> own = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.List<Thread> threads = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            // One after the other: each thread leases and returns while the earlier ones keep theirs.
            Thread t = new Thread(() -> {
                try (ScratchMemory.Lease lease = scratch.lease(1000)) {
                    own.add(lease.own());
                }
            });
            t.start();
            t.join();
            threads.add(t);
        }
        assertThat(own).containsExactly(false, false, true, true);
        assertThat(scratch.keptTotal()).isEqualTo(2000);
    }
}
