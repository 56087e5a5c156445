package dev.sieve.sort;

import dev.sieve.avro.ClipModel;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.HeadKind;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.StageTimings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds ScoredImage test records: {@code ScoredImages.of("id", "file:/x.png").classifier("h", "a", 0.2, "b", 0.8).build()}. */
public final class ScoredImages {
    private final String id;
    private final String uri;
    private final List<HeadScore> heads = new ArrayList<>();

    private ScoredImages(String id, String uri) {
        this.id = id;
        this.uri = uri;
    }

    public static ScoredImages of(String id, String uri) {
        return new ScoredImages(id, uri);
    }

    /** Labels and probabilities, alternating: {@code "Pass", 0.9, "JPEG", 0.1}. */
    public ScoredImages classifier(String head, Object... labelsAndProbabilities) {
        return revision(head, "", labelsAndProbabilities);
    }

    /** A classifier with a revision, as city96 names them: head {@code name-v1.2}, revision {@code v1.2}. */
    public ScoredImages revision(String head, String revision, Object... labelsAndProbabilities) {
        return head(head, revision, HeadKind.CLASSIFIER, labelsAndProbabilities);
    }

    /** A head of a kind added after this build ({@code UNKNOWN_KIND}), as an older reader sees it. */
    public ScoredImages unknownKind(String head, Object... labelsAndProbabilities) {
        return head(head, "", HeadKind.UNKNOWN_KIND, labelsAndProbabilities);
    }

    private ScoredImages head(String head, String revision, HeadKind kind, Object... labelsAndProbabilities) {
        List<LabelScore> labels = new ArrayList<>();
        for (int i = 0; i < labelsAndProbabilities.length; i += 2) {
            double p = ((Number) labelsAndProbabilities[i + 1]).doubleValue();
            labels.add(new LabelScore((String) labelsAndProbabilities[i], p, List.of(p)));
        }
        heads.add(new HeadScore(head, revision, kind, CropCombine.SINGLE, labels));
        return this;
    }

    public ScoredImages score(String head, double score) {
        heads.add(new HeadScore(head, "", HeadKind.SCORE, CropCombine.SINGLE, List.of(new LabelScore("score", score, List.of(score)))));
        return this;
    }

    public ScoredImage build() {
        ImageRef ref = new ImageRef(id, uri, "test", Map.of(), java.time.Instant.ofEpochMilli(0), 0);
        return ScoredImage.newBuilder()
                .setRef(ref).setWidth(10).setHeight(10).setTiled(false)
                .setClip(new ClipModel("clip-test", "0".repeat(64), 336))
                .setHeads(heads).setTags(List.of()).setWorkerId("test")
                .setTimings(new StageTimings(0L, 0L, 0L, 0L, 0L))
                .setScoredAt(java.time.Instant.ofEpochMilli(0))
                .build();
    }
}
