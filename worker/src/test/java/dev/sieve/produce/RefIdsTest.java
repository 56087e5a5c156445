package dev.sieve.produce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RefIdsTest {

    // Golden ids from coreutils: printf '%s' "<canonical uri>" | sha256sum | cut -c1-32
    private static final String HTTPS_CAT = "90011fc0ddd1cc5bb51be10c2c824eb6";   // https://example.com/cats/1.jpg
    private static final String FILE_A = "9a0a75a9beaed290cc88e6894e6a4c64";      // file:///data/img/a.jpg
    private static final String FILE_ACCENT = "373be20524285e986d087a00a2b440db"; // file:///tmp/%C3%A9t%C3%A9%20x.png
    private static final String HTTP_ROOT = "2a1b402420ef46577471cdc7409b0fa2";   // http://example.com/

    @ParameterizedTest
    @ValueSource(strings = {
        "https://example.com/cats/1.jpg",
        "HTTPS://EXAMPLE.com/cats/1.jpg",
        "https://example.com:443/cats/1.jpg",
        "https://example.com/cats/./x/../1.jpg",
        "https://example.com/cats/1.jpg#thumbnail",
        "  https://example.com/cats/1.jpg\t",
    })
    void givesOneIdToSpellingsOfTheSameHttpUri(String uri) {
        assertThat(RefIds.fromUri(uri)).isEqualTo(HTTPS_CAT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://example.com", "http://Example.COM:80", "http://example.com/", "HTTP://example.com/#top"})
    void addsRootPathAndDropsDefaultPort(String uri) {
        assertThat(RefIds.fromUri(uri)).isEqualTo(HTTP_ROOT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"file:///data/img/a.jpg", "file:/data/img/a.jpg", "file://localhost/data/img/a.jpg",
        "file:///data/img/./b/../a.jpg", "file:///data//img/a.jpg"})
    void givesOneIdToSpellingsOfTheSameFile(String uri) {
        assertThat(RefIds.fromUri(uri)).isEqualTo(FILE_A);
    }

    @Test
    void encodesFilePathsLikeTheJdk() {
        String fromPath = Path.of("/tmp/été x.png").toUri().toString();

        assertThat(RefIds.fromUri(fromPath)).isEqualTo(FILE_ACCENT);
        assertThat(RefIds.fromUri("file:///tmp/%c3%a9t%c3%a9%20x.png")).isEqualTo(FILE_ACCENT);
    }

    @Test
    void givesDifferentIdsToDifferentImages() {
        assertThat(RefIds.fromUri("https://example.com/cats/2.jpg")).isNotEqualTo(HTTPS_CAT);
        assertThat(RefIds.fromUri("http://example.com/cats/1.jpg")).isNotEqualTo(HTTPS_CAT);
        assertThat(RefIds.fromUri("https://example.com/Cats/1.jpg")).isNotEqualTo(HTTPS_CAT);
        assertThat(RefIds.fromUri("https://example.com:8443/cats/1.jpg")).isNotEqualTo(HTTPS_CAT);
        assertThat(RefIds.fromUri("https://example.com/cats/1.jpg?size=large")).isNotEqualTo(HTTPS_CAT);
        assertThat(RefIds.fromUri("file:///data/img/A.jpg")).isNotEqualTo(FILE_A);
    }

    @Test
    void isThirtyTwoLowerCaseHexDigits() {
        assertThat(RefIds.fromUri("https://example.com/x.webp")).matches("[0-9a-f]{32}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "cat.jpg", "http://exa mple.com/", "file://otherhost/a.jpg", "file:relative.jpg"})
    void rejectsWhatIsNotAnAbsoluteUri(String uri) {
        assertThatThrownBy(() -> RefIds.fromUri(uri)).isInstanceOf(IllegalArgumentException.class);
    }
}
