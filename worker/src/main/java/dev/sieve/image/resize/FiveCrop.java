package dev.sieve.image.resize;

import dev.sieve.image.Pixels;
import java.util.List;

/** torchvision's {@code five_crop}: the four corners and the centre, in that order (tl, tr, bl, br, centre). */
public final class FiveCrop {

    /** Where one crop starts; every crop is size x size. */
    public record Origin(int left, int top) {
    }

    private FiveCrop() {
    }

    /** The five crop origins for a width x height image; size must fit in both sides. */
    public static List<Origin> origins(int width, int height, int size) {
        if (size > width || size > height) {
            throw new IllegalArgumentException("crop size " + size + " is bigger than the image " + width + "x" + height);
        }
        return List.of(new Origin(0, 0), new Origin(width - size, 0), new Origin(0, height - size),
                new Origin(width - size, height - size), new Origin(centre(width, size), centre(height, size)));
    }

    /**
     * torchvision center_crop: {@code int(round((side - size) / 2.0))}. Python's round is half-to-even, so an
     * odd margin of 2k+1 gives k when k is even and k+1 when k is odd (not always k like a floor).
     */
    static int centre(int side, int size) {
        return (int) Math.rint((side - size) / 2.0);
    }

    public static List<Pixels> crops(Pixels image, int size) {
        return origins(image.width(), image.height(), size).stream()
                .map(o -> image.crop(o.left(), o.top(), size, size)).toList();
    }
}
