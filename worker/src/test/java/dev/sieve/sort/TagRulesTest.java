package dev.sieve.sort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sieve.avro.ScoredImage;
import dev.sieve.model.ScoreHead;
import java.util.List;
import org.junit.jupiter.api.Test;

class TagRulesTest {

    private static List<String> buckets(TagRules rules, ScoredImage image) {
        return rules.matches(image).stream().map(m -> m.bucket().toString()).toList();
    }

    @Test
    void tagsTheTopLabelOfEveryClassifierByDefault() {
        ScoredImage image = ScoredImages.of("1", "file:/a.png")
                .classifier("chroma", "Pass", 0.3, "Chromatic Aberration", 0.7)
                .classifier("compression", "Pass", 0.5, "JPEG", 0.2, "WEBP", 0.3)
                .build();
        assertThat(rules().matches(image)).containsExactly(
                new Match(new Bucket("chroma", "Chromatic Aberration"), 0.7),
                new Match(new Bucket("compression", "Pass"), 0.5));
    }

    @Test
    void aTieGoesToTheFirstLabelInHeadOrder() {
        ScoredImage image = ScoredImages.of("1", "file:/a.png").classifier("h", "a", 0.25, "b", 0.5, "c", 0.5).build();
        assertThat(buckets(rules(), image)).containsExactly("h/b");
    }

    @Test
    void thresholdsReplaceTheTopLabelRuleForTheirHeadOnly() {
        ScoredImage image = ScoredImages.of("1", "file:/a.png")
                .classifier("compression", "Pass", 0.5, "JPEG", 0.35, "WEBP", 0.15)
                .classifier("chroma", "Pass", 0.9, "Chromatic Aberration", 0.1)
                .build();
        TagRules rules = TagRules.parse(List.of("compression:JPEG=0.3", "compression:WEBP=0.3"), List.of());
        // Pass has the top probability but no threshold: not tagged.
        assertThat(buckets(rules, image)).containsExactly("compression/JPEG", "chroma/Pass");
    }

    @Test
    void oneHeadCanGiveSeveralTagsOrNone() {
        TagRules rules = TagRules.parse(List.of("h:*=0.3"), List.of());
        assertThat(buckets(rules, ScoredImages.of("1", "u").classifier("h", "a", 0.4, "b", 0.4, "c", 0.2).build()))
                .containsExactly("h/a", "h/b");
        assertThat(buckets(rules, ScoredImages.of("2", "u").classifier("h", "a", 0.29, "b", 0.29, "c", 0.29).build()))
                .isEmpty();
    }

    @Test
    void aThresholdIsInclusive() {
        TagRules rules = TagRules.parse(List.of("h:a=0.7"), List.of());
        assertThat(buckets(rules, ScoredImages.of("1", "u").classifier("h", "a", 0.7, "b", 0.3).build())).containsExactly("h/a");
    }

    @Test
    void specificThresholdsWinOverWildcards() {
        TagRules rules = TagRules.parse(List.of("h:a=0.9", "h:*=0.5", "*:b=0.1", "*:*=0.0"), List.of());
        assertThat(rules.threshold("h", "a")).contains(0.9);
        assertThat(rules.threshold("h", "b")).contains(0.5);
        assertThat(rules.threshold("g", "b")).contains(0.1);
        assertThat(rules.threshold("g", "c")).contains(0.0);
        assertThat(TagRules.parse(List.of("h:a=0.9"), List.of()).threshold("g", "a")).isEmpty();
    }

    @Test
    void scoreHeadsGetNoTagWithoutBands() {
        ScoredImage image = ScoredImages.of("1", "u").score("aesthetic", 0.6).build();
        assertThat(rules().matches(image)).isEmpty();
    }

    @Test
    void scoreBandsTagTheBandTheScoreFallsIn() {
        TagRules rules = TagRules.parse(List.of(), List.of("aesthetic=0.25,0.5,0.75"));
        assertThat(buckets(rules, ScoredImages.of("1", "u").score("aesthetic", 0.6).build())).containsExactly("aesthetic/0.50-0.75");
        assertThat(buckets(rules, ScoredImages.of("1", "u").score("aesthetic", 0.5).build())).containsExactly("aesthetic/0.50-0.75");
        assertThat(buckets(rules, ScoredImages.of("1", "u").score("aesthetic", 0.0).build())).containsExactly("aesthetic/0.00-0.25");
        assertThat(buckets(rules, ScoredImages.of("1", "u").score("aesthetic", 1.0).build())).containsExactly("aesthetic/0.75-1.00");
        assertThat(ScoreHead.band(List.of(0.125), 0.1)).isEqualTo("0.00-0.125");
        TagRules anyHead = TagRules.parse(List.of(), List.of("*=0.5"));
        assertThat(buckets(anyHead, ScoredImages.of("1", "u").score("other", 0.25).classifier("c", "a", 1.0).build()))
                .containsExactly("other/0.00-0.50", "c/a");
    }

    @Test
    void aHeadOfAnUnknownKindIsTaggedByItsThresholdsOnly() {
        ScoredImage image = ScoredImages.of("1", "u").unknownKind("later", "a", 0.9, "b", 0.1).score("aesthetic", 0.6).build();
        assertThat(rules().matches(image)).isEmpty();
        assertThat(buckets(TagRules.parse(List.of(), List.of("*=0.5")), image)).containsExactly("aesthetic/0.50-1.00");
        assertThat(buckets(TagRules.parse(List.of("later:*=0.5"), List.of()), image)).containsExactly("later/a");
    }

    @Test
    void aThresholdOnAScoreHeadAddsToItsBand() {
        TagRules rules = TagRules.parse(List.of("aesthetic:score=0.8"), List.of("aesthetic=0.5"));
        assertThat(buckets(rules, ScoredImages.of("1", "u").score("aesthetic", 0.85).build()))
                .containsExactly("aesthetic/score", "aesthetic/0.50-1.00");
    }

    @Test
    void badOptionsAreRefusedNamingTheOptionAndValue() {
        assertThatThrownBy(() -> TagRules.parse(List.of("h=0.5"), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--threshold 'h=0.5'");
        assertThatThrownBy(() -> TagRules.parse(List.of("h:a=high"), List.of()))
                .hasMessageContaining("--threshold 'h:a=high'").hasMessageContaining("not a number");
        assertThatThrownBy(() -> TagRules.parse(List.of("h:a=1.5"), List.of()))
                .hasMessageContaining("--threshold h:a=1.5").hasMessageContaining("[0,1]");
        assertThatThrownBy(() -> TagRules.parse(List.of("h:a=0.5", "h:a=0.6"), List.of())).hasMessageContaining("twice");
        assertThatThrownBy(() -> TagRules.parse(List.of(), List.of("s=0.5,0.4")))
                .hasMessageContaining("--score-bands").hasMessageContaining("strictly increasing");
        assertThatThrownBy(() -> TagRules.parse(List.of(), List.of("s=0,0.5"))).hasMessageContaining("strictly between 0 and 1");
        assertThatThrownBy(() -> TagRules.parse(List.of(), List.of("s"))).hasMessageContaining("HEAD=B1,B2");
    }

    private static TagRules rules() {
        return TagRules.defaults();
    }
}
