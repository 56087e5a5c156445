package dev.sieve.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sieve.sort.TagRules;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** city96's score recipe needs a rating per image, which sieve does not keep: train refuses, before reading anything. */
class ScoreHeadTrainingTest {
    @TempDir
    Path out;

    @Test
    void refusesAScoreHeadSayingWhyAndWhatToDo() {
        Path aesthetic = KnownCorpus.repo().resolve("models/fixtures/heads/TestAesthetic-v0.3.safetensors");
        // No broker behind this address: the refusal must come before any reading.
        HeadTraining.Config config = new HeadTraining.Config("127.0.0.1:1", "s", "c", "e", aesthetic, out, null,
                new TrainingRecipe(1e-4, 10, 1, 0.01, List.of(), 0, false), 0.2, 0, TagRules.defaults(), Duration.ofSeconds(5));
        assertThatThrownBy(() -> HeadTraining.run(config, System.out))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TestAesthetic-v0.3 is a score head")
                .hasMessageContaining("classifier heads (arch \"class\") only")
                .hasMessageContaining("L1 loss against a rating")
                .hasMessageContaining("sieve keeps no ratings")
                .hasMessageContaining("run city96's train.py");
        assertThat(out.toFile().list()).isEmpty();
    }
}
