package dev.sieve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import dev.sieve.StageException;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.HeadKind;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.Tag;
import dev.sieve.image.PreparedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ScorerTest {

    private static final int CROP = 3 * 336 * 336;
    private static ClipEmbedder clip;
    private static CityHead binary;
    private static CityHead triple;
    private static CityHead aesthetic;

    @BeforeAll
    static void load() throws IOException {
        clip = ClipEmbedder.load(ModelFixtures.clip336(), Device.cpu());
        binary = CityHead.load(ModelFixtures.head("TestAnime-Binary-v0.1"), Device.cpu());
        triple = CityHead.load(ModelFixtures.head("TestAnime-Triple-v0.2"), Device.cpu());
        aesthetic = CityHead.load(ModelFixtures.head("TestAesthetic-v0.3"), Device.cpu());
    }

    @AfterAll
    static void close() {
        // The Scorers built here share these; closing a Scorer would close them, so the tests never do.
        binary.close();
        triple.close();
        aesthetic.close();
        clip.close();
    }

    private static Scorer scorer(CropCombine combine, CityHead... heads) {
        return new Scorer(clip, List.of(heads), combine);
    }

    private static float[] crops(int count, long seed) {
        Random random = new Random(seed);
        float[] x = new float[count * CROP];
        for (int i = 0; i < x.length; i++) x[i] = (float) (random.nextGaussian() * 0.8);
        return x;
    }

    private static PreparedImage tiled(long seed) {
        return new PreparedImage(1000, 800, true, 5, crops(5, seed), crops(1, seed + 1000), 10, 20);
    }

    private static PreparedImage untiled(long seed) {
        return new PreparedImage(500, 400, false, 1, crops(1, seed), null, 10, 20);
    }

    @Test
    void scoresABatchOfMixedImagesLikeEachImageAlone() throws Exception {
        Scorer scorer = scorer(CropCombine.MEAN, binary, triple, aesthetic);
        List<PreparedImage> images = List.of(tiled(1), untiled(2), tiled(3), untiled(4));
        List<ImageScore> batch = scorer.score(images);
        assertThat(batch).hasSize(4);
        for (int i = 0; i < images.size(); i++) {
            ImageScore alone = scorer.score(List.of(images.get(i))).get(0);
            assertThat(batch.get(i).topTags()).isEqualTo(alone.topTags());
            for (int h = 0; h < 3; h++) {
                HeadScore a = batch.get(i).heads().get(h);
                HeadScore b = alone.heads().get(h);
                assertThat(a.getName()).isEqualTo(b.getName());
                assertThat(a.getCombine()).isEqualTo(b.getCombine());
                for (int k = 0; k < a.getLabels().size(); k++) {
                    LabelScore la = a.getLabels().get(k);
                    LabelScore lb = b.getLabels().get(k);
                    assertThat(la.getProbability()).isCloseTo(lb.getProbability(), within(1e-5));
                    assertThat(la.getCrops()).hasSameSizeAs(lb.getCrops());
                    for (int c = 0; c < la.getCrops().size(); c++) {
                        assertThat(la.getCrops().get(c)).isCloseTo(lb.getCrops().get(c), within(1e-5));
                    }
                }
            }
        }
        // Images differ, so a mix-up of rows between images would show.
        assertThat(batch.get(0).heads().get(2).getLabels().get(0).getProbability())
                .isNotCloseTo(batch.get(2).heads().get(2).getLabels().get(0).getProbability(), within(1e-4));
    }

    @Test
    void classifierKeepsEveryTileAndCombinesWithTheRule() throws Exception {
        PreparedImage image = tiled(5);
        float[][] expected = triple.apply(clip.embed(image.tiles(), 5));
        for (CropCombine rule : List.of(CropCombine.MEAN, CropCombine.MEDIAN, CropCombine.MAX, CropCombine.MIN)) {
            HeadScore score = scorer(rule, triple).score(List.of(image)).get(0).heads().get(0);
            assertThat(score.getCombine()).isEqualTo(rule);
            assertThat(score.getKind()).isEqualTo(HeadKind.CLASSIFIER);
            assertThat(score.getRevision()).isEqualTo("v0.2");
            for (int k = 0; k < 3; k++) {
                LabelScore label = score.getLabels().get(k);
                assertThat(label.getLabel()).isEqualTo(triple.labels().get(k));
                float[] column = new float[5];
                for (int c = 0; c < 5; c++) {
                    column[c] = expected[c][k];
                    assertThat(label.getCrops().get(c)).isCloseTo(expected[c][k], within(1e-5));
                }
                assertThat(label.getProbability()).isCloseTo(CropCombination.combine(rule, column), within(1e-5));
            }
        }
    }

    @Test
    void aPerHeadRuleOverridesTheDefaultForThatHeadOnly() throws Exception {
        PreparedImage image = tiled(5);
        float[][] expected = triple.apply(clip.embed(image.tiles(), 5));
        Scorer scorer = new Scorer(clip, List.of(binary, triple), CropCombine.MEAN,
                Map.of(triple.name(), CropCombine.MAX));

        List<HeadScore> heads = scorer.score(List.of(image)).get(0).heads();

        assertThat(heads.get(0).getCombine()).isEqualTo(CropCombine.MEAN);
        assertThat(heads.get(1).getCombine()).isEqualTo(CropCombine.MAX);
        for (int k = 0; k < 3; k++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < 5; c++) max = Math.max(max, expected[c][k]);
            assertThat(heads.get(1).getLabels().get(k).getProbability()).isCloseTo(max, within(1e-5));
        }
    }

    @Test
    void rejectsAPerHeadRuleForAnUnknownHeadOrSingle() {
        assertThatThrownBy(() -> new Scorer(clip, List.of(triple), CropCombine.MEAN, Map.of("nope", CropCombine.MAX)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope").hasMessageContaining(triple.name());
        assertThatThrownBy(() -> new Scorer(clip, List.of(triple), CropCombine.MEAN, Map.of(triple.name(), CropCombine.SINGLE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SINGLE");
    }

    @Test
    void meanCombinedProbabilitiesStillSumToOne() throws Exception {
        HeadScore score = scorer(CropCombine.MEAN, triple).score(List.of(tiled(6))).get(0).heads().get(0);
        double sum = score.getLabels().stream().mapToDouble(LabelScore::getProbability).sum();
        assertThat(sum).isCloseTo(1.0, within(1e-5));
    }

    @Test
    void scoreHeadSeesOnlyTheWholeImage() throws Exception {
        PreparedImage image = tiled(7);
        float expected = aesthetic.apply(clip.embed(image.whole(), 1))[0][0];
        ImageScore result = scorer(CropCombine.MEAN, binary, aesthetic).score(List.of(image)).get(0);
        HeadScore score = result.heads().get(1);
        assertThat(score.getKind()).isEqualTo(HeadKind.SCORE);
        assertThat(score.getCombine()).isEqualTo(CropCombine.SINGLE);
        assertThat(score.getLabels()).hasSize(1);
        assertThat(score.getLabels().get(0).getLabel()).isEqualTo("score");
        assertThat(score.getLabels().get(0).getProbability()).isCloseTo(expected, within(1e-5));
        assertThat(score.getLabels().get(0).getCrops()).hasSize(1);
        assertThat(result.topTags()).extracting(Tag::getHead).containsExactly("TestAnime-Binary-v0.1");
    }

    @Test
    void untiledImageIsOneCropForEveryHead() throws Exception {
        PreparedImage image = untiled(8);
        float[][] embedding = clip.embed(image.tiles(), 1);
        ImageScore result = scorer(CropCombine.MEDIAN, binary, aesthetic).score(List.of(image)).get(0);
        HeadScore classifier = result.heads().get(0);
        assertThat(classifier.getCombine()).isEqualTo(CropCombine.SINGLE);
        assertThat(classifier.getLabels().get(1).getProbability())
                .isCloseTo(binary.apply(embedding)[0][1], within(1e-5));
        assertThat(classifier.getLabels().get(1).getCrops()).hasSize(1);
        assertThat(result.heads().get(1).getLabels().get(0).getProbability())
                .isCloseTo(aesthetic.apply(embedding)[0][0], within(1e-5));
    }

    @Test
    void topTagIsEachClassifiersMostProbableLabel() throws Exception {
        ImageScore result = scorer(CropCombine.MEAN, binary, triple).score(List.of(tiled(9))).get(0);
        List<Tag> expected = new ArrayList<>();
        for (HeadScore head : result.heads()) {
            LabelScore best = head.getLabels().stream()
                    .max((a, b) -> Double.compare(a.getProbability(), b.getProbability())).orElseThrow();
            expected.add(new Tag(head.getName(), best.getLabel()));
        }
        assertThat(result.topTags()).containsExactlyElementsOf(expected);
    }

    @Test
    void sharesTheBatchTimeByCropCount() throws Exception {
        List<ImageScore> result = scorer(CropCombine.MEAN, binary, aesthetic).score(List.of(tiled(10), untiled(11)));
        // 6 crops (5 tiles + whole) against 1
        assertThat(result.get(0).inferNanos()).isPositive();
        assertThat(result.get(0).inferNanos()).isGreaterThanOrEqualTo(5 * result.get(1).inferNanos());
    }

    @Test
    void needsTheWholeImageOnlyForScoreHeads() {
        assertThat(scorer(CropCombine.MEAN, binary, triple).needsWholeImage()).isFalse();
        assertThat(scorer(CropCombine.MEAN, binary, aesthetic).needsWholeImage()).isTrue();
    }

    @Test
    void rejectsATiledImageWithoutItsWholeCropWhenAScoreHeadNeedsIt() {
        PreparedImage noWhole = new PreparedImage(1000, 800, true, 5, crops(5, 12), null, 0, 0);
        assertThatThrownBy(() -> scorer(CropCombine.MEAN, aesthetic).score(List.of(noWhole)))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.code()).isEqualTo(FailureCode.INTERNAL))
                .hasMessageContaining("whole-image crop is missing");
    }

    @Test
    void rejectsTilesOfTheWrongSize() {
        PreparedImage small = new PreparedImage(100, 100, false, 1, new float[3 * 224 * 224], null, 0, 0);
        assertThatThrownBy(() -> scorer(CropCombine.MEAN, binary).score(List.of(small)))
                .isInstanceOf(StageException.class).hasMessageContaining("expected 338688 floats per tile");
    }

    @Test
    void rejectsSingleAsARuleAndDuplicateHeads() {
        assertThatThrownBy(() -> scorer(CropCombine.SINGLE, binary))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("combine");
        assertThatThrownBy(() -> scorer(CropCombine.MEAN, binary, binary))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("listed twice");
    }
}
