package dev.sieve.work;

import dev.sieve.StageException;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.ScoredImage;
import java.util.List;

/**
 * What one image ends as, with every record it writes. The loops write {@link #outputs()} as they are, all or none;
 * which records an image writes is decided in {@link ImagePipeline}, never in a loop.
 */
public sealed interface Outcome {

    /** The reference the outcome is about (cut to its bounds for a failure). */
    ImageRef ref();

    /** The records to write, in order; at least one. */
    List<Output> outputs();

    /** Scored: {@code scored} is the ScoredImage on images.scored, written with any side outputs. */
    record Scored(ImageRef ref, ScoredImage scored, List<Output> outputs) implements Outcome {
        public Scored {
            outputs = List.copyOf(outputs);
        }
    }

    /** Failed: {@code why} (stage, code, message) is what its FailedImage on images.failed says. */
    record Failed(ImageRef ref, StageException why, List<Output> outputs) implements Outcome {
        public Failed {
            outputs = List.copyOf(outputs);
        }
    }
}
