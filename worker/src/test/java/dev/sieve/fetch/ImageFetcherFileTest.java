package dev.sieve.fetch;

import static dev.sieve.fetch.ImageFetcherTest.failure;
import static dev.sieve.fetch.ImageFetcherTest.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sieve.avro.FailureCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFetcherFileTest {

    @TempDir
    Path tmp;
    private Path root;
    private Path secret;
    private ImageFetcher fetcher;

    @BeforeEach
    void layout() throws Exception {
        Files.createDirectories(tmp.resolve("root/sub"));
        root = tmp.resolve("root");
        secret = Files.write(tmp.resolve("secret.jpg"), "outside".getBytes());
        fetcher = new ImageFetcher(FetchConfig.of(FetchConfig.SETTINGS.defaults().set(FetchConfig.FILE_ROOT, root)
                .set(FetchConfig.MAX_BYTES, 1_000L)));
    }

    @AfterEach
    void close() {
        fetcher.close();
    }

    @Test
    void readsFileInsideRoot() throws Exception {
        byte[] image = randomBytes(700);
        Path file = Files.write(root.resolve("sub/cat.png"), image);

        Fetched fetched = fetcher.fetch(file.toUri().toString()).get(10, TimeUnit.SECONDS);

        assertThat(fetched.bytes()).isEqualTo(image);
        assertThat(fetched.attempts()).isEqualTo(1);
    }

    @Test
    void refusesEscapeThroughDotDot() {
        String uri = "file://" + root.resolve("sub") + "/../../secret.jpg";

        assertThat(failure(fetcher.fetch(uri)).code()).isEqualTo(FailureCode.OUTSIDE_ROOT);
    }

    @Test
    void refusesEscapeThroughSymbolicLink() throws Exception {
        Path link = Files.createSymbolicLink(root.resolve("sub/innocent.jpg"), secret);

        var e = failure(fetcher.fetch(link.toUri().toString()));

        assertThat(e.code()).isEqualTo(FailureCode.OUTSIDE_ROOT);
        assertThat(e.getMessage()).contains("symbolic link");
    }

    @Test
    void followsSymbolicLinkThatStaysInsideRoot() throws Exception {
        byte[] image = randomBytes(10);
        Path target = Files.write(root.resolve("real.gif"), image);
        Path link = Files.createSymbolicLink(root.resolve("sub/alias.gif"), target);

        assertThat(fetcher.fetch(link.toUri().toString()).get(10, TimeUnit.SECONDS).bytes()).isEqualTo(image);
    }

    @Test
    void reportsMissingFileAsNotFound() {
        assertThat(failure(fetcher.fetch(root.resolve("nope.jpg").toUri().toString())).code())
                .isEqualTo(FailureCode.NOT_FOUND);
    }

    @Test
    void reportsFolderAsNotFound() {
        assertThat(failure(fetcher.fetch(root.resolve("sub").toUri().toString())).code())
                .isEqualTo(FailureCode.NOT_FOUND);
    }

    @Test
    void refusesFileOverLimit() throws Exception {
        Path big = Files.write(root.resolve("big.jpg"), randomBytes(1_001));

        assertThat(failure(fetcher.fetch(big.toUri().toString())).code()).isEqualTo(FailureCode.TOO_LARGE);
    }

    @Test
    void refusesEveryFileWithoutRoot() throws Exception {
        Path file = Files.write(root.resolve("cat.jpg"), randomBytes(10));
        try (ImageFetcher noRoot = new ImageFetcher(FetchConfig.defaults())) {
            assertThat(failure(noRoot.fetch(file.toUri().toString())).code()).isEqualTo(FailureCode.OUTSIDE_ROOT);
        }
    }

    @Test
    void rejectsMissingRootAtConstruction() {
        assertThatThrownBy(() -> new ImageFetcher(FetchConfig.of(FetchConfig.SETTINGS.defaults().set(FetchConfig.FILE_ROOT, tmp.resolve("absent")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fileRoot");
    }
}
