package dev.sieve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WorkCommandSimulatedTest {

    @Test
    void theWorkerSaysItRunsASimulatedAcceleratorAndNamesItInItsRecords() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (var stage = WorkCommand.ModelStage.simulated(12.4, new PrintStream(log, true, StandardCharsets.UTF_8))) {
            assertThat(log.toString(StandardCharsets.UTF_8)).contains("SIMULATED ACCELERATOR").contains("12.4 ms per batch")
                    .contains("simulated-accelerator");
            assertThat(stage.clipModel().getId()).isEqualTo("simulated-accelerator");
        }
    }
}
