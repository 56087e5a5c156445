package dev.sieve.image;

import dev.sieve.image.clip.ClipPreprocessing;
import dev.sieve.image.clip.ClipProcessor;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.decode.ImageDecoder;
import dev.sieve.image.device.DeviceImage;
import dev.sieve.image.device.DevicePlan;
import dev.sieve.image.device.PreprocessOn;
import dev.sieve.image.resize.FiveCrop;
import dev.sieve.image.resize.PillowResize;
import dev.sieve.image.resize.TilePlan;
import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Encoded bytes to CLIP input, as city96's {@code CityClassifierPipeline.get_clip_emb} does it: decode, then when
 * tiling (shorter side over 2 x CLIP size) the 1536 resize with Pillow bilinear in the image's own mode and
 * torchvision's five_crop, then CLIPImageProcessor's steps on each crop ({@link ClipProcessor}). With
 * {@link PreprocessOn#DEVICE}, everything after the decode is left to the model's device: the prepared image carries
 * the decoded pixels and the step's tables ({@link DevicePlan}) instead of crops, except for a mode the device step
 * does not cover, which is prepared here as before and counted ({@link #hostFallbacks()}).
 */
public final class ImagePreparer {
    private final ClipPreprocessing clip;
    private final boolean tiling;
    private final ImageDecoder decoder;
    private final ClipProcessor processor;
    private final PreprocessOn preprocessOn;
    private final LongAdder hostFallbacks = new LongAdder();

    public ImagePreparer(ClipPreprocessing clip, DecodeOptions options, boolean tiling) {
        this(clip, options, tiling, PreprocessOn.HOST);
    }

    public ImagePreparer(ClipPreprocessing clip, DecodeOptions options, boolean tiling, PreprocessOn preprocessOn) {
        this.preprocessOn = preprocessOn;
        this.clip = clip;
        this.tiling = tiling;
        this.decoder = new ImageDecoder(options);
        this.processor = new ClipProcessor(clip);
    }

    /**
     * Thread-safe. Throws StageException(Stage.DECODE, NOT_AN_IMAGE|UNSUPPORTED_FORMAT|CORRUPT_IMAGE|TOO_MANY_PIXELS)
     * or (Stage.PREPROCESS, INTERNAL).
     *
     * @param wantWhole also prepare the untiled image (for score heads) when the image is tiled
     */
    public PreparedImage prepare(byte[] encoded, boolean wantWhole) throws StageException {
        return prepareHolding(encoded, wantWhole, null);
    }

    /**
     * As {@link #prepare(byte[], boolean)}, holding the image's pixels against {@code budget} from its header until
     * its crops are made (or it failed), so that the decoded pixels of all threads together stay within it.
     *
     * @param budget null: no bound
     */
    public PreparedImage prepare(byte[] encoded, boolean wantWhole, PixelBudget budget) throws StageException {
        try (PixelBudget.Share share = budget != null ? budget.share() : null) {
            return prepareHolding(encoded, wantWhole, share);
        }
    }

    private PreparedImage prepareHolding(byte[] encoded, boolean wantWhole, PixelBudget.Share share)
            throws StageException {
        long t0 = System.nanoTime();
        ImageDecoder.Decoded decoded = decoder.decode(encoded, new Plan(wantWhole), share);
        Pixels image = decoded.pixels();
        long t1 = System.nanoTime();
        refuseUnresizable(image, decoded.fullWidth(), decoded.fullHeight());
        try {
            if (preprocessOn == PreprocessOn.DEVICE) {
                if (DevicePlan.covers(image.mode())) {
                    DevicePlan plan = DevicePlan.of(image, decoded.fullWidth(), decoded.fullHeight(), clip, tiling,
                            wantWhole);
                    long hash = PerceptualHash.of(image); // before the pixels are handed over to the device step
                    DeviceImage device = new DeviceImage(image, plan, share == null ? null : share.handOver());
                    return new PreparedImage(image.width(), image.height(), plan.tiled(), plan.tiled() ? 5 : 1, null,
                            null, t1 - t0, System.nanoTime() - t1, hash, device);
                }
                hostFallbacks.increment();
            }
            List<Pixels> crops = tiles(image, decoded.fullWidth(), decoded.fullHeight());
            boolean tiled = crops.size() > 1;
            int per = clip.cropFloats();
            float[] out = new float[crops.size() * per];
            for (int i = 0; i < crops.size(); i++) processor.process(crops.get(i), out, i * per);
            float[] whole = null;
            if (tiled && wantWhole) {
                whole = new float[per];
                processor.process(image, whole, 0);
            }
            long hash = PerceptualHash.of(image);
            return new PreparedImage(image.width(), image.height(), tiled, crops.size(), out, whole,
                    t1 - t0, System.nanoTime() - t1, hash);
        } catch (RuntimeException e) {
            throw new StageException(Stage.PREPROCESS, FailureCode.INTERNAL,
                    "preprocessing a " + image.width() + "x" + image.height() + " " + image.mode() + " image failed: " + e, e);
        }
    }

    /**
     * Pillow 9.4 has no resampler for "I;16" (16-bit TIFF grey): the reference's 1536 step raises "image has wrong
     * mode" for such an image, so it has no score there and gets none here.
     */
    private void refuseUnresizable(Pixels image, int fullWidth, int fullHeight) throws StageException {
        TilePlan plan = TilePlan.of(fullWidth, fullHeight, clip.tileSize(), tiling);
        if (image.mode() == PillowMode.I16 && plan.tiled() && plan.resized(fullWidth, fullHeight)) {
            throw new StageException(Stage.PREPROCESS, FailureCode.UNSUPPORTED_FORMAT, "this " + fullWidth + "x"
                    + fullHeight + " 16-bit grey image (Pillow mode I;16) takes the 1536 resize before tiling, which"
                    + " Pillow 9.4 refuses for that mode (ValueError: image has wrong mode): the reference cannot"
                    + " score it");
        }
    }

    public PreprocessOn preprocessOn() {
        return preprocessOn;
    }

    /** Images prepared on the host although {@link PreprocessOn#DEVICE} was asked: modes the device step lacks. */
    public long hostFallbacks() {
        return hostFallbacks.sum();
    }

    /** The decoder's questions from the header: how far a JPEG may be DCT-scaled, and whether the size is hopeless. */
    private final class Plan implements ImageDecoder.SizePlan {
        private final boolean wantWhole;

        Plan(boolean wantWhole) {
            this.wantWhole = wantWhole;
        }

        @Override
        public int minShortSide(int width, int height) {
            return TilePlan.minDecodedShortSide(width, height, clip.tileSize(), clip.size(), tiling);
        }

        /** Refused as the reference is, from the size alone: the decision costs nothing, the decode a lot. */
        @Override
        public void check(int width, int height) throws StageException {
            boolean tiled = TilePlan.of(width, height, clip.tileSize(), tiling).tiled();
            // The processor sees the whole image when it is not tiled, or beside the tiles for score heads.
            String refused = !tiled || wantWhole ? processor.refusal(width, height) : null;
            if (refused != null) throw new StageException(Stage.PREPROCESS, FailureCode.TOO_MANY_PIXELS, refused);
        }

        @Override
        public void checkResizable(int width, int height, String why) throws StageException {
            TilePlan plan = TilePlan.of(width, height, clip.tileSize(), tiling);
            if (plan.tiled() && plan.resized(width, height)) {
                throw new StageException(Stage.PREPROCESS, FailureCode.UNSUPPORTED_FORMAT, "this " + width + "x"
                        + height + " image takes the 1536 resize before tiling, which Pillow 9.4 refuses for it ("
                        + why + "): the reference cannot score it");
            }
        }
    }

    /**
     * The images the processor sees, before its convert("RGB"): five tiles, or the whole image (public for the format
     * goldens in {@code image.decode}).
     */
    public List<Pixels> tiles(Pixels image) {
        return tiles(image, image.width(), image.height());
    }

    /**
     * As {@link #tiles(Pixels)} for an image that may have been decoded DCT-scaled: the plan is the full size's, so
     * the tiles are cut from the size the reference cuts them from.
     */
    private List<Pixels> tiles(Pixels image, int fullWidth, int fullHeight) {
        TilePlan plan = TilePlan.of(fullWidth, fullHeight, clip.tileSize(), tiling);
        if (!plan.tiled()) return List.of(image);
        if (!plan.resized(image.width(), image.height())) return FiveCrop.crops(image, clip.tileSize());
        // Only the five tiles of the 1536 step's output are ever read: resample just those windows (same bytes).
        int size = clip.tileSize();
        return FiveCrop.origins(plan.resizeWidth(), plan.resizeHeight(), size).stream()
                .map(o -> PillowResize.resizeWindow(image, plan.resizeWidth(), plan.resizeHeight(),
                        PillowResize.Filter.BILINEAR, o.left(), o.top(), size, size))
                .toList();
    }

    /** The 8-bit RGB crops CLIP sees (tiles, or the whole image), for goldens and debugging. */
    public List<Pixels> rgbCrops(Pixels image) {
        return tiles(image).stream().map(processor::rgbCrop).toList();
    }
}
