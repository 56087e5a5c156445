package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sieve.image.PreparedImage;
import dev.sieve.metrics.HealthBounds;
import dev.sieve.model.ImageScore;
import dev.sieve.model.SimulatedAccelerator;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The worker's own threads, each past its bound: a hung model load, a poll loop that stops, a forward pass that does
 * not return. The Kafka side (an outage: live, not ready) is {@link WorkerOutageHealthTest}'s, on a real broker.
 */
class WorkerHealthTest {
    private static final Duration LONG = Duration.ofMinutes(10);

    @Test
    void aModelLoadPastItsBoundIsNotLive() {
        WorkerMetrics health = metrics(LONG, LONG, LONG, Duration.ofSeconds(2));
        assertThat(health.live()).as("loading, within the bound").isTrue();
        assertThat(health.ready()).as("loading").isFalse();
        await().atMost(Duration.ofSeconds(30)).until(() -> !health.live());
        health.modelLoaded(Duration.ofSeconds(3));
        assertThat(health.live()).as("the load finished after all").isTrue();
    }

    @Test
    void aPollLoopThatStopsComingRoundIsNotLive() {
        WorkerMetrics health = metrics(Duration.ofSeconds(1), LONG, LONG, LONG);
        health.modelLoaded(Duration.ofSeconds(1));
        assertThat(health.live()).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> !health.live());
        health.beat();
        assertThat(health.live()).isTrue();
    }

    @Test
    void aLoopWaitingForTheBrokerInAKafkaCallIsLiveUntilTheCallOutlivesItsOwnTimeout() {
        // Loop stall 1 s, Kafka call timeout 2 s: the wait is live for 3 s, past the loop-stall bound alone.
        WorkerMetrics health = new WorkerMetrics(new CompositeMeterRegistry(), new HealthBounds(Duration.ofSeconds(1),
                Duration.ofSeconds(2), LONG, LONG, Duration.ofSeconds(30)));
        health.modelLoaded(Duration.ofSeconds(1));
        long start = System.nanoTime();
        health.awaitingKafka();
        await().atMost(Duration.ofSeconds(30)).until(() -> !health.live());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        health.kafkaReturned();
        assertThat(health.live()).as("the call returned (timed out) and is retried").isTrue();
    }

    @Test
    void aForwardPassPastItsBoundIsNotLiveUntilItReturns() throws Exception {
        WorkerMetrics health = metrics(LONG, Duration.ofSeconds(1), LONG, LONG);
        health.modelLoaded(Duration.ofSeconds(1));
        // A real (simulated) accelerator whose every pass takes 8 s: a hung inference thread, for a while.
        try (Batcher batcher = new Batcher(new SimulatedAccelerator(Duration.ofSeconds(8)), 1, Duration.ZERO, health)) {
            assertThat(health.live()).isTrue();
            CompletableFuture<ImageScore> score = batcher.submit(new PreparedImage(10, 10, false, 1, new float[7], null, 0, 0));
            await().atMost(Duration.ofSeconds(6)).until(() -> !health.live());
            await().atMost(Duration.ofSeconds(60)).until(score::isDone);
            health.beat();
            assertThat(health.live()).as("the pass returned").isTrue();
        }
    }

    private static WorkerMetrics metrics(Duration loopStall, Duration batchStall, Duration kafkaCall, Duration modelLoad) {
        return new WorkerMetrics(new CompositeMeterRegistry(),
                new HealthBounds(loopStall, kafkaCall, batchStall, modelLoad, Duration.ofSeconds(30)));
    }
}
