package dev.sieve.model;

/**
 * One image's CLIP {@code image_embeds}: what every head reads, so that heads can run again without the image.
 *
 * @param crops the tiles' embeddings in five_crop order (five when tiled), or the one untiled crop's
 * @param whole the untiled image's embedding when the image is tiled (what a score head reads); null when untiled
 */
public record ImageEmbeds(float[][] crops, float[] whole) {

    public ImageEmbeds {
        if (crops.length < 1) throw new IllegalArgumentException("an image has at least one crop");
    }

    public boolean tiled() {
        return whole != null;
    }

    /** The embedding a score head reads. */
    public float[] wholeImage() {
        return whole != null ? whole : crops[0];
    }
}
