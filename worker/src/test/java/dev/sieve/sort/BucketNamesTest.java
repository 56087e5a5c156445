package dev.sieve.sort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BucketNamesTest {

    @Test
    void keepsLettersDigitsDashesAndCase() {
        assertThat(BucketNames.topic("Head-1", "JPEG")).isEqualTo("images.bucket.Head-1.JPEG");
        assertThat(BucketNames.topic("Head-1", "jpeg")).isEqualTo("images.bucket.Head-1.jpeg");
    }

    @Test
    void escapesEveryOtherCharacterAsUnderscoreAndHexBytes() {
        assertThat(BucketNames.topic("CCAnime-ChromaticAberration-v1.16", "Chromatic Aberration"))
                .isEqualTo("images.bucket.CCAnime-ChromaticAberration-v1_2E16.Chromatic_20Aberration");
        assertThat(BucketNames.topic("h", "0_reg")).isEqualTo("images.bucket.h.0_5Freg");
        // é is C3 A9 in UTF-8.
        assertThat(BucketNames.topic("h", "é/x")).isEqualTo("images.bucket.h._C3_A9_2Fx");
    }

    @Test
    void pairsThatLookAlikeGetDifferentTopics() {
        String[][] pairs = {
            {"a.b", "c", "a", "b.c"}, {"a_b", "c", "a", "b_c"}, {"h", "a b", "h", "a_b"},
            {"h", "a_20b", "h", "a b"}, {"h", "JPEG", "h", "jpeg"}, {"h", "a.", "h.a", ""},
        };
        for (String[] p : pairs) {
            if (p[3].isEmpty()) continue;
            assertThat(BucketNames.topic(p[0], p[1])).as("%s/%s vs %s/%s", (Object[]) p).isNotEqualTo(BucketNames.topic(p[2], p[3]));
        }
    }

    @Test
    void randomNamesGiveLegalTopicsThatParseBackToTheSamePair() {
        Random random = new Random(42);
        String alphabet = "aZ09-._ /:é漢\t%*";
        Map<String, Bucket> seen = new HashMap<>();
        for (int i = 0; i < 5_000; i++) {
            Bucket bucket = new Bucket(randomName(random, alphabet), randomName(random, alphabet));
            String topic = bucket.topic();
            assertThat(topic).matches("[a-zA-Z0-9._-]{1,249}");
            assertThat(BucketNames.parse(topic)).contains(bucket);
            Bucket before = seen.put(topic, bucket);
            if (before != null) assertThat(before).isEqualTo(bucket);
        }
    }

    @Test
    void refusesANameOverKafkasLimitNamingHeadAndLabel() {
        String label = "x".repeat(240);
        assertThatThrownBy(() -> BucketNames.topic("head", label))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("head 'head'").hasMessageContaining("249");
        assertThat(BucketNames.topic("h", "x".repeat(249 - "images.bucket.h.".length()))).hasSize(249);
    }

    @Test
    void parseRejectsNamesItCouldNotHaveMade() {
        assertThat(BucketNames.parse("images.scored")).isEmpty();
        assertThat(BucketNames.parse("images.bucket.onlyhead")).isEmpty();
        assertThat(BucketNames.parse("images.bucket.a.b.c")).isEmpty();
        assertThat(BucketNames.parse("images.bucket.a._41")).as("A is never escaped").isEmpty();
        assertThat(BucketNames.parse("images.bucket.a._2")).isEmpty();
        assertThat(BucketNames.parse("images.bucket.a._2e")).as("hex is upper case").isEmpty();
        assertThat(BucketNames.parse("images.bucket.a._FF")).as("not UTF-8").isEmpty();
        assertThat(BucketNames.parse("images.bucket.a.b")).contains(new Bucket("a", "b"));
    }

    @Test
    void collisionKeyTreatsDotAndUnderscoreAlike() {
        // Two different buckets whose topics Kafka would consider the same name.
        String one = BucketNames.topic("X", "2E ");
        String two = BucketNames.topic("X.", "20");
        assertThat(one).isNotEqualTo(two);
        assertThat(BucketNames.collisionKey(one)).isEqualTo(BucketNames.collisionKey(two));
    }

    private static String randomName(Random random, String alphabet) {
        int n = 1 + random.nextInt(12);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        return s.toString();
    }
}
