package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.sieve.StageException;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.Stage;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.PreparedImage;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.ImageScore;
import dev.sieve.model.Scorer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The batcher with the fixture models through libtorch. */
class BatcherTest {

    @Test
    void oneBadImageInABatchFailsAloneAndTheOthersAreScored() throws Exception {
        try (ClipEmbedder clip = ClipEmbedder.load(WorkerEndToEndTest.CLIP, Device.cpu());
             Scorer scorer = new Scorer(clip, WorkerEndToEndTest.loadHeads(), CropCombine.MEAN)) {
            ImagePreparer preparer = new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true);
            PreparedImage garden = preparer.prepare(Files.readAllBytes(WorkerEndToEndTest.SAMPLES.resolve("garden-640x480.jpg")),
                    scorer.needsWholeImage());
            PreparedImage badge = preparer.prepare(Files.readAllBytes(WorkerEndToEndTest.SAMPLES.resolve("badge-400x400.gif")),
                    scorer.needsWholeImage());
            // Crops that do not fit the model's input: the scorer refuses the whole forward pass it is in.
            PreparedImage broken = new PreparedImage(10, 10, false, 1, new float[7], null, 0, 0);
            List<ImageScore> alone = List.of(scorer.score(List.of(garden)).get(0), scorer.score(List.of(badge)).get(0));

            // Room for far more crops and a long wait: the three are submitted together and share one batch.
            try (Batcher batcher = new Batcher(scorer, 1000, Duration.ofSeconds(2))) {
                CompletableFuture<ImageScore> first = batcher.submit(garden);
                CompletableFuture<ImageScore> bad = batcher.submit(broken);
                CompletableFuture<ImageScore> last = batcher.submit(badge);

                assertThat(first.get(60, TimeUnit.SECONDS).heads()).isEqualTo(alone.get(0).heads());
                assertThat(last.get(60, TimeUnit.SECONDS).heads()).isEqualTo(alone.get(1).heads());
                assertThatThrownBy(() -> bad.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOfSatisfying(StageException.class, e -> assertThat(e.stage()).isEqualTo(Stage.INFER));
            }
        }
    }
}
