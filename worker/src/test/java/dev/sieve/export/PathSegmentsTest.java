package dev.sieve.export;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PathSegmentsTest {

    @Test
    void keepsReadableNamesAndEscapesWhatAPathCannotHold() {
        assertThat(PathSegments.of("Chromatic Aberration")).isEqualTo("Chromatic Aberration");
        assertThat(PathSegments.of("a/b")).isEqualTo("a%2Fb");
        assertThat(PathSegments.of("..")).isEqualTo("%2E.");
        assertThat(PathSegments.of(".hidden")).isEqualTo("%2Ehidden");
        assertThat(PathSegments.of("50%")).isEqualTo("50%25");
        assertThat(PathSegments.of("")).isEqualTo("%");
        assertThat(PathSegments.of("a%2Fb")).isNotEqualTo(PathSegments.of("a/b"));
    }

    @Test
    void takesTheExtensionOfTheLastPathSegmentOnly() {
        assertThat(PathSegments.extension("/data/x/cat.PNG")).isEqualTo(".PNG");
        assertThat(PathSegments.extension("/data/x.d/cat")).isEmpty();
        assertThat(PathSegments.extension("/data/.profile")).isEmpty();
        assertThat(PathSegments.extension("/a/b.tar gz")).isEmpty();
        assertThat(PathSegments.extension(null)).isEmpty();
    }
}
