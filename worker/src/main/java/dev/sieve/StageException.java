package dev.sieve;

import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.util.OptionalInt;

/**
 * Why one image could not be scored. Every stage throws this (and only this) for a problem with the image
 * itself, so the worker can turn it into a FailedImage record instead of stopping: one bad image never
 * stops a partition.
 */
public final class StageException extends Exception {
    private final Stage stage;
    private final FailureCode code;
    private final int attempts;
    /** The HTTP status behind the failure, or -1 when there is none. */
    private final int httpStatus;

    public StageException(Stage stage, FailureCode code, String message) {
        this(stage, code, message, 1, null);
    }

    public StageException(Stage stage, FailureCode code, String message, Throwable cause) {
        this(stage, code, message, 1, cause);
    }

    public StageException(Stage stage, FailureCode code, String message, int attempts, Throwable cause) {
        this(stage, code, message, attempts, cause, -1);
    }

    /** A failure that came with an HTTP answer: {@code httpStatus} goes to FailedImage.http_status. */
    public StageException(Stage stage, FailureCode code, String message, int attempts, Throwable cause, int httpStatus) {
        super(message, cause);
        this.stage = stage;
        this.code = code;
        this.attempts = attempts;
        this.httpStatus = httpStatus;
    }

    public Stage stage() { return stage; }

    public FailureCode code() { return code; }

    public int attempts() { return attempts; }

    public OptionalInt httpStatus() { return httpStatus < 0 ? OptionalInt.empty() : OptionalInt.of(httpStatus); }

    @Override
    public String toString() {
        return stage + "/" + code + ": " + getMessage();
    }
}
