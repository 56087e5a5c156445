package dev.sieve.fetch;

import dev.sieve.config.Values;
import static dev.sieve.fetch.ImageFetcherTest.failure;
import static dev.sieve.fetch.ImageFetcherTest.randomBytes;
import static dev.sieve.fetch.LocalHttpServer.respond;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OptOutTest {

    private static final Values LOCAL_VALUES = FetchConfig.SETTINGS.defaults().set(FetchConfig.ALLOW_PRIVATE_ADDRESSES, true)
            .set(FetchConfig.CONNECT_TIMEOUT_MS, 2_000L).set(FetchConfig.REQUEST_TIMEOUT_MS, 5_000L)
            .set(FetchConfig.FETCH_ATTEMPTS, 3).set(FetchConfig.RETRY_BACKOFF_MS, 10L);
    private static final FetchConfig LOCAL = FetchConfig.of(LOCAL_VALUES);

    private final LocalHttpServer server = new LocalHttpServer("127.0.0.1");

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void readsHeaderValuesAsImg2datasetDoes() {
        OptOut optOut = OptOut.defaults();

        assertThat(optOut.find(List.of("noai"))).contains("noai");
        assertThat(optOut.find(List.of("NoImageAI"))).as("case-insensitive").isPresent();
        assertThat(optOut.find(List.of("nofollow, noimageindex"))).isPresent();
        assertThat(optOut.find(List.of("sieve: noai"))).as("a header naming sieve").isPresent();
        assertThat(optOut.find(List.of("otherbot: noai"))).as("a header naming another robot").isEmpty();
        assertThat(optOut.find(List.of("otherbot: noai", "SIEVE: noindex"))).contains("SIEVE: noindex");
        assertThat(optOut.find(List.of("nofollow", "noarchive"))).isEmpty();
        assertThat(optOut.find(List.of())).isEmpty();
    }

    @Test
    void aDirectiveWithAnArgumentIsNotMistakenForARobot() {
        // img2dataset would read "noindex, unavailable_after" as a robot's name and let the image through.
        assertThat(OptOut.defaults().find(List.of("noindex, unavailable_after: 25 Jun 2030 15:00:00 PST"))).isPresent();
        assertThat(OptOut.defaults().find(List.of("max-image-preview: large"))).isEmpty();
        assertThat(OptOut.defaults().find(List.of("noai: yes"))).as("a directive is not a robot").isPresent();
    }

    @Test
    void theSetIsConfigurableAndEmptyTurnsTheCheckOff() {
        OptOut onlyNoai = OptOut.defaults().withDirectives(Set.of(" NoAI "));

        assertThat(onlyNoai.find(List.of("noindex"))).isEmpty();
        assertThat(onlyNoai.find(List.of("noai"))).isPresent();
        assertThat(OptOut.defaults().withDirectives(Set.of()).find(List.of("noai"))).isEmpty();
    }

    @Test
    void readsOnlyABoundedPartOfTheHeaders() {
        String late = "x".repeat(OptOut.MAX_VALUE_CHARS) + ", noai";
        assertThat(OptOut.defaults().find(List.of(late))).as("past the characters read").isEmpty();

        List<String> many = new java.util.ArrayList<>(java.util.Collections.nCopies(OptOut.MAX_VALUES, "nofollow"));
        many.add("noai");
        assertThat(OptOut.defaults().find(many)).as("past the values read").isEmpty();
    }

    @Test
    void anOptedOutImageFailsOnItsHeadersWithoutItsBodyBeingRead() throws Exception {
        server.on("/noai.jpg", ex -> {
            ex.getResponseHeaders().add("X-Robots-Tag", "noai");
            respond(ex, 200, randomBytes(300_000), false);
        });
        AtomicInteger admitted = new AtomicInteger();
        try (ImageFetcher fetcher = new ImageFetcher(LOCAL)) {
            StageException e = failure(fetcher.fetch(server.url("/noai.jpg"), bytes -> {
                admitted.incrementAndGet();
                return CompletableFuture.completedFuture(null);
            }));

            assertThat(e.stage()).isEqualTo(Stage.FETCH);
            assertThat(e.code()).isEqualTo(FailureCode.OPTED_OUT);
            assertThat(e.getMessage()).contains("X-Robots-Tag: noai").contains(server.url("/noai.jpg"));
            assertThat(e.attempts()).as("an answer, not a transient error: never retried").isEqualTo(1);
            assertThat(server.hits("/noai.jpg")).isEqualTo(1);
            assertThat(admitted).as("no body admitted, so none read").hasValue(0);
        }
    }

    @Test
    void aHeaderForAnotherRobotDoesNotStopTheFetch() throws Exception {
        byte[] image = randomBytes(1_000);
        server.on("/other.jpg", ex -> {
            ex.getResponseHeaders().add("X-Robots-Tag", "otherbot: noai");
            respond(ex, 200, image, true);
        });
        try (ImageFetcher fetcher = new ImageFetcher(LOCAL)) {
            Fetched fetched = fetcher.fetch(server.url("/other.jpg")).get(10, TimeUnit.SECONDS);

            assertThat(fetched.bytes()).isEqualTo(image);
            assertThat(fetched.optOut()).isNull();
        }
    }

    @Test
    void ignoringOptOutFetchesTheImageAndSaysWhatTheSiteAsked() throws Exception {
        byte[] image = randomBytes(2_000);
        server.on("/noimageai.png", ex -> {
            ex.getResponseHeaders().add("X-Robots-Tag", "noimageai, nofollow");
            respond(ex, 200, image, true);
        });
        try (ImageFetcher fetcher = new ImageFetcher(FetchConfig.of(LOCAL_VALUES.set(FetchConfig.IGNORE_OPT_OUT, true)))) {
            Fetched fetched = fetcher.fetch(server.url("/noimageai.png")).get(10, TimeUnit.SECONDS);

            assertThat(fetched.bytes()).isEqualTo(image);
            assertThat(fetched.optOut()).isEqualTo("noimageai, nofollow");
        }
    }

    @Test
    void anErrorPageIsNotAnOptOut() {
        server.on("/gone", ex -> {
            ex.getResponseHeaders().add("X-Robots-Tag", "noai");
            respond(ex, 404, new byte[0], true);
        });
        try (ImageFetcher fetcher = new ImageFetcher(LOCAL)) {
            assertThat(failure(fetcher.fetch(server.url("/gone"))).code()).isEqualTo(FailureCode.NOT_FOUND);
        }
    }
}
