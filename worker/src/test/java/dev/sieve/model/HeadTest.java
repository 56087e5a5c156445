package dev.sieve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.HeadKind;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.Tag;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeadTest {

    private static HeadScore scored(HeadKind kind, Object... labelsAndProbabilities) {
        List<LabelScore> labels = new ArrayList<>();
        for (int i = 0; i < labelsAndProbabilities.length; i += 2) {
            double p = ((Number) labelsAndProbabilities[i + 1]).doubleValue();
            labels.add(new LabelScore((String) labelsAndProbabilities[i], p, List.of(p)));
        }
        return new HeadScore("h", "v1", kind, CropCombine.SINGLE, labels);
    }

    @Test
    void aLoadedHeadWithOneOutputIsAScoreHeadAndWithMoreAClassifier() {
        assertThat(Head.of("h", "v1", List.of("score"))).isInstanceOf(ScoreHead.class);
        assertThat(Head.of("h", "v1", List.of("Pass", "JPEG"))).isInstanceOf(ClassifierHead.class);
    }

    @Test
    void aRecordsKindPicksItsHeadAndIsWrittenBackTheSame() {
        for (HeadKind kind : HeadKind.values()) {
            Head head = Head.of(scored(kind, "a", 0.25, "b", 0.75));
            assertThat(head.kind()).isEqualTo(kind);
            assertThat(head.name()).isEqualTo("h");
            assertThat(head.revision()).isEqualTo("v1");
            assertThat(head.labels()).containsExactly("a", "b");
        }
    }

    @Test
    void decodesSoftmaxForAClassifierAndHalfTanhPlusOneForAScore() {
        float[] logits = {0.5f, -1.25f, 2f};
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            float[] probabilities = Head.of("h", "", List.of("a", "b", "c"))
                    .decode(manager.create(logits, new Shape(1, 3))).toFloatArray();
            double sum = 0;
            for (float z : logits) sum += Math.exp(z);
            for (int k = 0; k < 3; k++) assertThat((double) probabilities[k]).isCloseTo(Math.exp(logits[k]) / sum, within(1e-6));
            float[] scores = Head.of("h", "", List.of("score")).decode(manager.create(logits, new Shape(3, 1))).toFloatArray();
            for (int i = 0; i < 3; i++) assertThat((double) scores[i]).isCloseTo((Math.tanh(logits[i]) + 1) / 2, within(1e-6));
        }
    }

    @Test
    void aClassifierCombinesItsTilesAndTagsItsTopLabel() {
        Head head = Head.of("h", "v1", List.of("a", "b"));
        float[][] outputs = {{0.9f, 0.1f}, {0.2f, 0.8f}, {0.4f, 0.6f}};
        List<Tag> tags = new ArrayList<>();
        HeadScore tiled = head.score(outputs, new Head.ImageRows(1, 2, -1), CropCombine.MAX, tags);
        assertThat(tiled.getCombine()).isEqualTo(CropCombine.MAX);
        assertThat(tiled.getLabels()).extracting(LabelScore::getProbability).containsExactly((double) 0.4f, (double) 0.8f);
        assertThat(tiled.getLabels().get(1).getCrops()).containsExactly((double) 0.8f, (double) 0.6f);
        HeadScore single = head.score(outputs, new Head.ImageRows(0, 1, 0), CropCombine.MAX, tags);
        assertThat(single.getCombine()).isEqualTo(CropCombine.SINGLE);
        assertThat(tags).containsExactly(new Tag("h", "b"), new Tag("h", "a"));
    }

    @Test
    void aScoreHeadReadsTheWholeImageRowAndTagsNothing() {
        Head head = Head.of("aesthetic", "", List.of("score"));
        List<Tag> tags = new ArrayList<>();
        HeadScore score = head.score(new float[][] {{0.1f}, {0.2f}, {0.7f}}, new Head.ImageRows(0, 2, 2), CropCombine.MEAN, tags);
        assertThat(score.getCombine()).isEqualTo(CropCombine.SINGLE);
        assertThat(score.getLabels()).extracting(LabelScore::getProbability).containsExactly((double) 0.7f);
        assertThat(tags).isEmpty();
        assertThat(head.readsWholeImage()).isTrue();
        assertThat(head.readsTiles()).isFalse();
    }

    @Test
    void aBandBucketSortsByTheScoreAndALabelBucketByItsLabel() {
        HeadScore score = scored(HeadKind.SCORE, "score", 0.6);
        assertThat(Head.of(score).probability(score, "0.50-0.75")).isEqualTo(0.6);
        assertThat(Head.of(score).ownTags(score, false, List.of(0.25, 0.5, 0.75)))
                .containsExactly(new Head.LabelProbability("0.50-0.75", 0.6));
        for (HeadKind kind : List.of(HeadKind.CLASSIFIER, HeadKind.UNKNOWN_KIND)) {
            HeadScore labels = scored(kind, "a", 0.25, "b", 0.75);
            assertThat(Head.of(labels).probability(labels, "b")).isEqualTo(0.75);
            assertThat(Head.of(labels).probability(labels, "0.50-0.75")).isNaN();
        }
    }

    @Test
    void onlyAClassifiersLabelsAreClassesAndOnlyAScoreTakesBands() {
        for (HeadKind kind : HeadKind.values()) {
            Head head = Head.of(scored(kind, "a", 0.5));
            assertThat(head.exclusiveClasses()).as(kind.toString()).isEqualTo(kind == HeadKind.CLASSIFIER);
            assertThat(head.takesBands()).as(kind.toString()).isEqualTo(kind == HeadKind.SCORE);
        }
    }
}
