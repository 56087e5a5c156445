package dev.sieve.model;

import dev.sieve.StageException;
import dev.sieve.image.PreparedImage;
import java.util.List;

/**
 * What the worker's batcher needs from the model stage: score a batch of prepared images. {@link Scorer} (CLIP and
 * city96's heads on libtorch) is the real one; {@link SimulatedAccelerator} stands in for a GPU in the scale-out
 * benchmark.
 */
public interface BatchScorer {

    /** One ImageScore per image, in order; the whole batch fails together. */
    List<ImageScore> score(List<PreparedImage> images) throws StageException;

    /** True when a tiled image must also carry its untiled crop ({@link PreparedImage#whole()}). */
    boolean needsWholeImage();
}
