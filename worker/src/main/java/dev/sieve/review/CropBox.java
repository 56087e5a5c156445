package dev.sieve.review;

import dev.sieve.avro.ScoredImage;
import dev.sieve.image.resize.FiveCrop;
import dev.sieve.image.resize.TilePlan;
import java.util.ArrayList;
import java.util.List;

/**
 * Where one of the five crops fell, as fractions of the image's width and height (so the page can draw it over a
 * thumbnail of any size). The geometry is the worker's own: {@link TilePlan} for the 1536 resize, {@link FiveCrop}
 * for the origins, with the tile 2 x the CLIP input size the record names.
 */
public record CropBox(double left, double top, double width, double height) {

    /** The five boxes in five_crop order (tl, tr, bl, br, centre), or none when the image was scored as one crop. */
    public static List<CropBox> of(ScoredImage image) {
        if (!image.getTiled()) return List.of();
        int tile = 2 * image.getClip().getInputSize();
        TilePlan plan = TilePlan.of(image.getWidth(), image.getHeight(), tile, true);
        if (!plan.tiled()) return List.of();
        double w = plan.resizeWidth();
        double h = plan.resizeHeight();
        List<CropBox> boxes = new ArrayList<>(5);
        for (FiveCrop.Origin o : FiveCrop.origins(plan.resizeWidth(), plan.resizeHeight(), tile)) {
            boxes.add(new CropBox(o.left() / w, o.top() / h, tile / w, tile / h));
        }
        return boxes;
    }
}
