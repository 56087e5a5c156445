package dev.sieve.image.clip;

import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import dev.sieve.image.resize.PillowResize;
import dev.sieve.image.resize.TilePlan;

/**
 * The steps of transformers' (slow) CLIPImageProcessor on one PIL image: {@code convert("RGB")}, shorter side to
 * {@code size} with Pillow bicubic, centre crop {@code cropSize}, rescale, normalise, CHW float32.
 */
public final class ClipProcessor {
    private final ClipPreprocessing clip;
    private final float[] byValue;

    public ClipProcessor(ClipPreprocessing clip) {
        this.clip = clip;
        this.byValue = byValue(clip);
    }

    /**
     * The 8-bit RGB crop CLIP sees, before rescaling (what the goldens compare). Only the centre crop of the resize
     * is computed, converted to RGB strip by strip: a 2 x 200,000 image's resize is 336 x 33,600,000, of which the
     * crop is 336 x 336.
     *
     * @throws IllegalArgumentException when Pillow refuses the resize ({@link #refusal})
     */
    public Pixels rgbCrop(Pixels image) {
        String refused = refusal(image.width(), image.height());
        if (refused != null) throw new IllegalArgumentException(refused);
        int[] wh = TilePlan.shortestEdge(image.width(), image.height(), clip.size());
        int crop = clip.cropSize();
        // RGB needs no conversion: its rows are read in place, as before.
        java.util.function.UnaryOperator<Pixels> toRgb = image.mode() == PillowMode.RGB ? null : Pixels::toRgb;
        // transformers center_crop floors the margin ((h - crop) // 2), unlike torchvision's round-half-even.
        return PillowResize.resizeWindow(image, toRgb, wh[0], wh[1], PillowResize.Filter.BICUBIC,
                (wh[0] - crop) / 2, (wh[1] - crop) / 2, crop, crop);
    }

    /**
     * Why the reference cannot process a width x height image, whatever the machine, or null when it can: the
     * shortest-edge resize is one Pillow refuses (see {@link PillowResize#refusal}). Only very thin images reach
     * it: 1 x 159,784 and thinner.
     */
    public String refusal(int width, int height) {
        long[] wh = TilePlan.shortestEdgeExact(width, height, clip.size());
        String why = PillowResize.refusal(width, height, wh[0], wh[1], PillowResize.Filter.BICUBIC);
        return why == null ? null : "CLIP's processor resizes this " + width + "x" + height + " image to " + wh[0]
                + "x" + wh[1] + " (shorter side " + clip.size() + ") before its centre crop, which Pillow refuses ("
                + why + "): the reference cannot score it";
    }

    /** Writes 3 x cropSize x cropSize floats (CHW) for the image into out at offset. */
    public void process(Pixels image, float[] out, int offset) {
        normalise(rgbCrop(image), out, offset);
    }

    public void normalise(Pixels crop, float[] out, int offset) {
        int plane = crop.width() * crop.height();
        byte[] d = crop.data();
        // One channel at a time: the writes run straight through each output plane.
        for (int ch = 0; ch < 3; ch++) {
            int base = offset + ch * plane;
            int lut = ch * 256;
            for (int i = 0, j = ch; i < plane; i++, j += 3) out[base + i] = byValue[lut + (d[j] & 0xff)];
        }
    }

    /** The normalised float of each 8-bit value, 256 per channel (R, G, B): what the device step looks up. */
    public float[] normalisedValues() {
        return byValue.clone();
    }

    /** Every 8-bit value's normalised float, per channel: what the rescale and normalise steps make of it. */
    private static float[] byValue(ClipPreprocessing clip) {
        double rescale = clip.rescaleFactor();
        float[] mean = clip.mean();
        float[] std = clip.std();
        // transformers: astype(float64) * scale, astype(float32), then (x - mean) / std in float32.
        float[] byValue = new float[256 * 3];
        for (int ch = 0; ch < 3; ch++) {
            for (int v = 0; v < 256; v++) {
                float scaled = (float) (v * rescale);
                byValue[ch * 256 + v] = (scaled - mean[ch]) / std[ch];
            }
        }
        return byValue;
    }
}
