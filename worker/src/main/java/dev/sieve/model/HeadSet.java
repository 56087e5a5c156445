package dev.sieve.model;

import dev.sieve.StageException;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.Tag;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The heads one scoring step runs, each with its crop-combining rule: applied once to a batch's embeddings, then read
 * per image. {@link Scorer} feeds it CLIP's output; {@code sieve rescore} feeds it stored embeddings.
 *
 * <p>Does not own the heads.
 */
public final class HeadSet {

    private final List<CityHead> heads;
    private final CropCombine combine;
    private final Map<String, CropCombine> combineByHead;

    /**
     * @param combine       the rule for every classifier not named in combineByHead
     * @param combineByHead per-head rules by head name (city96's tile_strat is a per-call choice, so each head may
     *                      want its own: e.g. MAX for a defect detector, MEAN for a style classifier)
     */
    public HeadSet(List<CityHead> heads, CropCombine combine, Map<String, CropCombine> combineByHead) {
        this.heads = List.copyOf(heads);
        this.combine = checkRule("combine", combine);
        this.combineByHead = Map.copyOf(combineByHead);
        if (this.heads.isEmpty()) throw new IllegalArgumentException("heads: at least one head is needed");
        var known = this.heads.stream().map(CityHead::name).toList();
        for (var e : this.combineByHead.entrySet()) {
            if (!known.contains(e.getKey())) {
                throw new IllegalArgumentException("combine for head " + e.getKey() + ": no such head; loaded: " + known);
            }
            checkRule("combine for head " + e.getKey(), e.getValue());
        }
        var names = new HashSet<String>();
        for (CityHead head : this.heads) {
            if (!names.add(head.name())) throw new IllegalArgumentException("heads: " + head.name() + " is listed twice");
            if (head.features() != ClipEmbedder.EMBEDDING_WIDTH) {
                throw new IllegalArgumentException("heads: " + head.name() + " takes " + head.features()
                        + "-wide embeddings, CLIP gives " + ClipEmbedder.EMBEDDING_WIDTH);
            }
        }
    }

    private static CropCombine checkRule(String what, CropCombine rule) {
        Objects.requireNonNull(rule, what);
        if (rule == CropCombine.SINGLE) {
            throw new IllegalArgumentException(what + ": SINGLE is how a one-crop result is recorded, not a rule;"
                    + " use MEAN, MEDIAN, MAX or MIN");
        }
        return rule;
    }

    public List<CityHead> heads() {
        return heads;
    }

    /** The rule a classifier head's crops are combined with. */
    public CropCombine combineFor(String head) {
        return combineByHead.getOrDefault(head, combine);
    }

    public boolean readsTiles() {
        return heads.stream().anyMatch(h -> h.head().readsTiles());
    }

    public boolean readsWholeImage() {
        return heads.stream().anyMatch(h -> h.head().readsWholeImage());
    }

    /** Every head on every row: one output matrix per head, in head order. */
    List<float[][]> apply(float[][] embeddings) throws StageException {
        List<float[][]> outputs = new ArrayList<>(heads.size());
        for (CityHead head : heads) outputs.add(head.apply(embeddings));
        return outputs;
    }

    /** One image's head scores and top tags, from its rows of the batch's outputs. */
    ImageScore image(List<float[][]> outputs, Head.ImageRows rows, long inferNanos, ImageEmbeds embeds) {
        List<HeadScore> headScores = new ArrayList<>(heads.size());
        List<Tag> tags = new ArrayList<>();
        for (int h = 0; h < heads.size(); h++) {
            Head head = heads.get(h).head();
            headScores.add(head.score(outputs.get(h), rows, combineFor(head.name()), tags));
        }
        return new ImageScore(headScores, tags, inferNanos, embeds);
    }

    /**
     * Scores images from their stored embeddings, as {@link Scorer} scores them from CLIP's: every head once over
     * all rows of the batch.
     *
     * @return one ImageScore per image, in order, without embeddings
     */
    public List<ImageScore> score(List<ImageEmbeds> images) throws StageException {
        if (images.isEmpty()) return List.of();
        boolean tiles = readsTiles();
        boolean whole = readsWholeImage();
        List<float[]> rows = new ArrayList<>();
        Head.ImageRows[] own = new Head.ImageRows[images.size()];
        for (int i = 0; i < images.size(); i++) {
            ImageEmbeds e = images.get(i);
            int first = rows.size();
            boolean tilesUsed = tiles || !e.tiled();
            if (tilesUsed) rows.addAll(List.of(e.crops()));
            int wholeRow = -1;
            if (whole) {
                if (!e.tiled()) {
                    wholeRow = first;
                } else {
                    wholeRow = rows.size();
                    rows.add(e.whole());
                }
            }
            own[i] = new Head.ImageRows(first, e.crops().length, wholeRow);
        }
        long start = System.nanoTime();
        List<float[][]> outputs = apply(rows.toArray(new float[0][]));
        long share = (System.nanoTime() - start) / images.size();
        List<ImageScore> scores = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) scores.add(image(outputs, own[i], share, null));
        return scores;
    }
}
