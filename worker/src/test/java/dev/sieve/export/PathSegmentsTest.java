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
    void boundsLongNamesWithADigestOfTheWholeName() {
        String a = "é".repeat(300);
        String b = "é".repeat(299) + "e";
        String name = PathSegments.of(a);
        assertThat(name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(PathSegments.MAX_BYTES);
        assertThat(name).startsWith("éé").contains("%~");
        assertThat(PathSegments.of(b)).isNotEqualTo(name);
        assertThat(PathSegments.of("/".repeat(100))).startsWith("%2F%2F").doesNotContain("%2%~").contains("%~");
        assertThat(PathSegments.of("\uD83D\uDE00".repeat(100))).doesNotContain("\uD83D%~");
        String fits = "x".repeat(PathSegments.MAX_BYTES);
        assertThat(PathSegments.of(fits)).isEqualTo(fits);
    }

    @Test
    void unescapeIsTheInverseAndToleratesWhatItDidNotWrite() {
        for (String name : new String[] {"", "..", ".hidden", "a/b", "50%", "tab\there", "日本"}) {
            assertThat(PathSegments.unescape(PathSegments.of(name))).isEqualTo(name);
        }
        assertThat(PathSegments.unescape("50%ZZ")).isEqualTo("50%ZZ");
        assertThat(PathSegments.unescape("%4")).isEqualTo("%4");
        assertThat(PathSegments.unescape("a%")).isEqualTo("a%");
        assertThat(PathSegments.unescape("a%2Fb")).isEqualTo("a/b");
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
