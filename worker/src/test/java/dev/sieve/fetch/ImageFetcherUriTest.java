package dev.sieve.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** URIs the fuzz runs found (`scripts/bench fuzz`, target `reference`), as plain regression tests. */
class ImageFetcherUriTest {

    /**
     * java.net.URI throws NumberFormatException, not URISyntaxException, for an IPv4 tail too long for an int inside an
     * IPv6 literal (its scanByte parses with Integer.parseInt): the fetcher recorded it as INTERNAL. Found by Jazzer.
     */
    @Test
    void aUriJavasParserThrowsOnIsABadReferenceNotAnInternalError() throws Exception {
        try (ImageFetcher fetcher = new ImageFetcher(FetchConfig.of(FetchConfig.SETTINGS.defaults().set(FetchConfig.ALLOW_PRIVATE_ADDRESSES, false)),
                AddressPolicy.publicOnly(), host -> {
                    throw new java.net.UnknownHostException(host + " (no look-up in this test)");
                })) {
            String uri = "https://[::ffff:0630000000000000000000000000.0.0.1]:843/x";

            Throwable e = catchFailure(fetcher, uri);

            assertThat(e).isInstanceOfSatisfying(StageException.class, s -> {
                assertThat(s.stage()).isEqualTo(Stage.FETCH);
                assertThat(s.code()).isEqualTo(FailureCode.BAD_REFERENCE);
                assertThat(s.getMessage()).contains("not a valid URI");
            });
        }
    }

    private static Throwable catchFailure(ImageFetcher fetcher, String uri) throws Exception {
        try {
            fetcher.fetch(uri).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected a failure for " + uri);
    }
}
