package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The consumer-group chaos run (worker processes SIGKILLed and restarted under load) against the official
 * apache/kafka image instead of the in-JVM broker: every id exactly once across images.scored and images.failed,
 * read_committed, on the broker users run. Needs a Docker engine; without one JUnit reports the class as skipped
 * ("Docker is not available"). Share mode stays on the in-JVM broker: share groups are a preview feature in the
 * image's Kafka 4.1 and must be switched on per cluster.
 */
@Testcontainers(disabledWithoutDocker = true)
class WorkerChaosContainerTest {
    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.0");

    @TempDir
    Path tmp;

    @Test
    void killedAndRestartedWorkersLoseNothingAndDuplicateNothingOnTheOfficialBroker() throws Exception {
        WorkerChaosTest chaos = new WorkerChaosTest();
        chaos.tmp = tmp;
        WorkerChaosTest.Result r = chaos.chaos(KAFKA.getBootstrapServers(), "group", 200, 3);
        assertThat(r.lost()).as(r.report()).isEmpty();
        assertThat(r.duplicated()).as(r.report()).isZero();
    }
}
