package dev.sieve.fetch;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;

/** The fetch stage's failures, as the fetcher and every source record them. */
final class FetchFailures {
    private FetchFailures() {}

    static StageException failure(FailureCode code, String message, int attempts, Throwable cause) {
        return new StageException(Stage.FETCH, code, message, attempts, cause);
    }

    static StageException httpFailure(FailureCode code, String message, int attempts, int status) {
        return new StageException(Stage.FETCH, code, message, attempts, null, status);
    }

    static StageException internal(String uri, Throwable e) {
        return failure(FailureCode.INTERNAL, "unexpected error fetching " + uri + ": " + e, 1, e);
    }
}
