package dev.sieve.work;

import dev.sieve.StageException;
import dev.sieve.avro.ClipModel;
import dev.sieve.avro.FailedImage;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.Stage;
import dev.sieve.avro.StageTimings;
import dev.sieve.image.PreparedImage;
import dev.sieve.model.ImageScore;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;

/** Builds the two records an image can end as. Shared by the worker and `sieve score`. */
public final class Outcomes {
    private Outcomes() {}

    /**
     * @param sha256 hex sha256 of the fetched bytes ({@link dev.sieve.fetch.Fetched#sha256()})
     * @param optOut the opt-out header {@code --ignore-opt-out} let through, or null
     */
    public static ScoredImage scored(ImageRef ref, PreparedImage image, ImageScore score, ClipModel clip,
                                     String workerId, StageTimings timings, String sha256, String optOut) {
        return ScoredImage.newBuilder()
                .setRef(ref)
                .setWidth(image.width())
                .setHeight(image.height())
                .setTiled(image.tiled())
                .setClip(clip)
                .setHeads(score.heads())
                .setTags(score.topTags())
                .setWorkerId(workerId)
                .setTimings(timings)
                .setScoredAt(Instant.now())
                .setSha256(sha256)
                .setPerceptualHash(image.perceptualHash())
                .setOptOut(optOut)
                .build();
    }

    public static FailedImage failed(ImageRef ref, StageException e, String workerId) {
        return failed(ref, e, workerId, null);
    }

    /**
     * Every field within {@link FieldBounds}: the reference cut to its bounds, the message to
     * {@link FieldBounds#MESSAGE_BYTES}, the raw value to {@link FieldBounds#RAW_VALUE_BYTES} (the message then says
     * its size and digest), so the record fits a Kafka write whatever arrived.
     *
     * @param rawValue the images.in record's value when it could not be read as an ImageRef, else null
     */
    public static FailedImage failed(ImageRef ref, StageException e, String workerId, byte[] rawValue) {
        String note = rawValue == null ? "" : FieldBounds.rawValueNote(rawValue);
        String message = e.getMessage() == null ? e.code().toString() : e.getMessage();
        return FailedImage.newBuilder()
                .setRef(FieldBounds.bounded(ref))
                .setStage(e.stage())
                .setCode(e.code())
                .setMessage(FieldBounds.text(message, FieldBounds.MESSAGE_BYTES - FieldBounds.utf8Length(note)) + note)
                .setAttempts(e.attempts())
                .setWorkerId(workerId)
                .setHttpStatus(e.httpStatus().isPresent() ? e.httpStatus().getAsInt() : null)
                .setRawValue(rawValue == null ? null : ByteBuffer.wrap(FieldBounds.rawValue(rawValue)))
                .setFailedAt(Instant.now())
                .build();
    }

    /** Anything that is not a StageException is a bug in sieve; the record still ends somewhere, with where it broke. */
    public static StageException internal(Stage stage, Throwable t) {
        return new StageException(stage, FailureCode.INTERNAL,
                "internal error during " + stage + ": " + t + " (please report it)", t);
    }

    /** The ref we can still name when the images.in record itself is unreadable: its key, cut to an id's bound. */
    public static ImageRef unreadableRef(String key, String topic, int partition, long offset) {
        String id = key != null && !key.isBlank() ? FieldBounds.text(key, FieldBounds.ID_BYTES)
                : topic + "-" + partition + "@" + offset;
        return ImageRef.newBuilder().setId(id).setUri("").setSource("").setAttributes(Map.of())
                .setProducedAt(Instant.EPOCH).build();
    }

    public static ClipModel clipModel(String id, String digest, int inputSize) {
        return ClipModel.newBuilder().setId(id).setDigest(digest).setInputSize(inputSize).build();
    }
}
