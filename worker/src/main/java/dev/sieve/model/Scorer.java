package dev.sieve.model;

import dev.sieve.StageException;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import dev.sieve.image.PreparedImage;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Scores batches of prepared images with one CLIP and several heads, as city96's pipelines do: classifiers see
 * the tiles (five crops, or the whole image when it is not tiled) and combine their per-crop probabilities;
 * score heads see the untiled image only.
 *
 * <p>Owns the embedder and the heads: {@link #close()} closes them.
 */
public final class Scorer implements BatchScorer, AutoCloseable {

    private final ClipEmbedder clip;
    private final HeadSet heads;
    private final boolean tilesRead;
    private final boolean wholeImageRead;
    private final boolean keepEmbeddings;
    /** One input buffer per scoring thread, reused across batches (see {@link CropBatch}). */
    private final ThreadLocal<CropBatch> batches;
    /** The device step for images prepared with --preprocess-on device; null when every image comes as crops. */
    private final DevicePreprocessor device;

    /**
     * @param combine how classifiers combine per-crop probabilities: MEAN (city96's default), MEDIAN, MAX or MIN
     */
    public Scorer(ClipEmbedder clip, List<CityHead> heads, CropCombine combine) {
        this(clip, heads, combine, Map.of());
    }

    /**
     * @param combine       the rule for every classifier not named in combineByHead
     * @param combineByHead per-head rules by head name (city96's tile_strat is a per-call choice, so each head may
     *                      want its own: e.g. MAX for a defect detector, MEAN for a style classifier)
     */
    public Scorer(ClipEmbedder clip, List<CityHead> heads, CropCombine combine, Map<String, CropCombine> combineByHead) {
        this(clip, heads, combine, combineByHead, null, false);
    }

    /**
     * @param device the device step for images that carry their pixels ({@link PreparedImage#device()}); owned and
     *               closed by this scorer; null when images come as crops only
     */
    public Scorer(ClipEmbedder clip, List<CityHead> heads, CropCombine combine, Map<String, CropCombine> combineByHead,
                  DevicePreprocessor device) {
        this(clip, heads, combine, combineByHead, device, false);
    }

    /**
     * @param keepEmbeddings hand each image's embeddings back with its score ({@link ImageScore#embeds()}): every
     *                       tile and, for a tiled image, the untiled crop, whatever the heads read, so that any head
     *                       can run on them later ({@code sieve rescore}, {@code sieve train})
     */
    public Scorer(ClipEmbedder clip, List<CityHead> heads, CropCombine combine, Map<String, CropCombine> combineByHead,
                  boolean keepEmbeddings) {
        this(clip, heads, combine, combineByHead, null, keepEmbeddings);
    }

    public Scorer(ClipEmbedder clip, List<CityHead> heads, CropCombine combine, Map<String, CropCombine> combineByHead,
                  DevicePreprocessor device, boolean keepEmbeddings) {
        this.device = device;
        this.keepEmbeddings = keepEmbeddings;
        this.clip = Objects.requireNonNull(clip, "clip");
        this.heads = new HeadSet(heads, combine, combineByHead);
        this.tilesRead = keepEmbeddings || this.heads.readsTiles();
        this.wholeImageRead = keepEmbeddings || this.heads.readsWholeImage();
        int cropFloats = clip.preprocessing().cropFloats();
        this.batches = ThreadLocal.withInitial(() -> new CropBatch(cropFloats));
    }

    /** The rule a classifier head's crops are combined with. */
    public CropCombine combineFor(String head) {
        return heads.combineFor(head);
    }

    public ClipEmbedder clip() {
        return clip;
    }

    public List<CityHead> heads() {
        return heads.heads();
    }

    /** True when a score head needs each tiled image's untiled crop ({@link PreparedImage#whole()}). */
    @Override
    public boolean needsWholeImage() {
        return wholeImageRead;
    }

    /**
     * Scores the images with one CLIP forward over all their crops and each head once over all embeddings.
     *
     * @return one ImageScore per image, in order
     * @throws StageException (INFER) when CLIP or a head fails, or an image's crops do not fit the CLIP input; the
     *                        whole batch fails together
     */
    @Override
    public List<ImageScore> score(List<PreparedImage> images) throws StageException {
        if (images.isEmpty()) return List.of();
        int cropFloats = clip.preprocessing().cropFloats();
        // Rows of the embedding matrix for each image: its tiles, then (when tiled and a head reads the whole image: a score head)
        // its whole-image crop. An untiled image's single tile is its whole image, shared by every head.
        int[] firstTile = new int[images.size()];
        int[] wholeRow = new int[images.size()];
        List<float[]> crops = new ArrayList<>();
        List<Integer> cropCounts = new ArrayList<>();
        int rows = 0;
        for (int i = 0; i < images.size(); i++) {
            PreparedImage image = images.get(i);
            int before = rows;
            firstTile[i] = rows;
            wholeRow[i] = -1;
            boolean tilesUsed = tilesRead || !image.tiled();
            if (image.device() != null) {
                checkDevice(i, image);
                if (tilesUsed) rows += image.tileCount();
                if (wholeImageRead) wholeRow[i] = image.tiled() ? rows++ : firstTile[i];
                cropCounts.add(rows - before);
                continue;
            }
            if (tilesUsed) {
                if (image.tileCount() < 1 || image.tiles() == null
                        || (long) image.tileCount() * cropFloats != image.tiles().length) {
                    throw new StageException(Stage.INFER, FailureCode.INTERNAL, "image " + i + ": "
                            + image.tileCount() + " tiles in " + (image.tiles() == null ? 0 : image.tiles().length)
                            + " floats, expected " + cropFloats + " floats per tile (3x" + clip.preprocessing().cropSize()
                            + "x" + clip.preprocessing().cropSize() + ")");
                }
                if (!image.tiled() && image.tileCount() != 1) {
                    throw new StageException(Stage.INFER, FailureCode.INTERNAL, "image " + i + " is not tiled but has "
                            + image.tileCount() + " tiles");
                }
                crops.add(image.tiles());
                rows += image.tileCount();
            }
            if (wholeImageRead) {
                if (!image.tiled()) {
                    wholeRow[i] = firstTile[i];
                } else {
                    float[] whole = image.whole();
                    if (whole == null || whole.length != cropFloats) {
                        throw new StageException(Stage.INFER, FailureCode.INTERNAL, "image " + i + " is tiled but its"
                                + " whole-image crop is " + (whole == null ? "missing" : whole.length + " floats")
                                + "; a score head needs it (" + cropFloats + " floats)");
                    }
                    crops.add(whole);
                    wholeRow[i] = rows++;
                }
            }
            cropCounts.add(rows - before);
        }
        long start = System.nanoTime();
        float[][] embeddings;
        if (images.stream().anyMatch(image -> image.device() != null)) {
            embeddings = embedOnDevice(images);
        } else {
            CropBatch batch = batches.get();
            var into = batch.start(rows);
            for (float[] c : crops) into.put(c);
            start = System.nanoTime();
            embeddings = clip.embed(batch, rows);
        }
        List<float[][]> outputs = heads.apply(embeddings);
        long elapsed = System.nanoTime() - start;

        List<ImageScore> scores = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            Head.ImageRows own = new Head.ImageRows(firstTile[i], images.get(i).tileCount(), wholeRow[i]);
            long share = elapsed * cropCounts.get(i) / rows;
            scores.add(heads.image(outputs, own, share, keepEmbeddings ? embeds(embeddings, own, images.get(i)) : null));
        }
        return scores;
    }

    private void checkDevice(int i, PreparedImage image) throws StageException {
        if (device == null) {
            throw new StageException(Stage.INFER, FailureCode.INTERNAL, "image " + i + " was prepared for the device"
                    + " step, and this scorer has none (--preprocess-on device needs it loaded)");
        }
        var plan = image.device().plan();
        if (plan.tiled() != image.tiled() || plan.crops() < image.tileCount()
                || wholeImageRead && image.tiled() && plan.whole() == null) {
            throw new StageException(Stage.INFER, FailureCode.INTERNAL, "image " + i + ": its device plan makes "
                    + plan.crops() + " crops, tiled " + plan.tiled() + (plan.whole() == null ? ", no whole image" : "")
                    + "; the heads need " + image.tileCount() + (wholeImageRead ? " and the whole image" : ""));
        }
    }

    /**
     * The batch's CLIP input built on the device, in the rows' order of {@link #score}: each device image's crops
     * made there from its pixels, each host image's crops copied up; then one CLIP forward.
     */
    private float[][] embedOnDevice(List<PreparedImage> images) throws StageException {
        int size = clip.preprocessing().cropSize();
        try (NDManager batch = device.newManager()) {
            NDList parts = new NDList();
            for (PreparedImage image : images) {
                boolean tilesUsed = tilesRead || !image.tiled();
                boolean wholeAfterTiles = wholeImageRead && image.tiled();
                if (image.device() != null) {
                    NDArray made = device.prepare(image.device(), batch);
                    if (tilesUsed) parts.add(made.get("0:" + image.tileCount()));
                    if (wholeAfterTiles) parts.add(made.get("5:6"));
                } else {
                    if (tilesUsed) parts.add(batch.create(image.tiles(), new Shape(image.tileCount(), 3, size, size)));
                    if (wholeAfterTiles) parts.add(batch.create(image.whole(), new Shape(1, 3, size, size)));
                }
            }
            NDArray input = parts.size() == 1 ? parts.head() : NDArrays.concat(parts);
            return clip.embed(input);
        }
    }

    /** The image's rows of the batch's embeddings (no copy: each row is its own array, owned by nobody else). */
    private static ImageEmbeds embeds(float[][] embeddings, Head.ImageRows rows, PreparedImage image) {
        float[][] crops = new float[rows.tileCount()][];
        System.arraycopy(embeddings, rows.firstTile(), crops, 0, crops.length);
        return new ImageEmbeds(crops, image.tiled() ? embeddings[rows.whole()] : null);
    }

    /** The device step this scorer owns (null without one): a head swap hands it to the replacing scorer. */
    DevicePreprocessor device() {
        return device;
    }

    /** True when each score carries the image's embeddings. */
    public boolean keepsEmbeddings() {
        return keepEmbeddings;
    }

    @Override
    public void close() {
        if (device != null) device.close();
        for (CityHead head : heads.heads()) head.close();
        clip.close();
    }
}
