package dev.sieve.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.image.resize.PillowResize;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PerceptualHashTest {

    @Test
    void aResizedOrSlightlyCroppedCopyStaysCloseAndAnotherPictureIsFar() {
        Pixels picture = picture(1, 600, 400);
        long hash = PerceptualHash.of(picture);

        Pixels smaller = PillowResize.resize(picture, 420, 280, PillowResize.Filter.BICUBIC);
        Pixels cropped = picture.crop(12, 8, 576, 384); // 2 % off each edge
        int near = PerceptualHash.NEAR_DUPLICATE_DISTANCE;
        assertThat(PerceptualHash.distance(hash, PerceptualHash.of(smaller))).isLessThanOrEqualTo(near);
        assertThat(PerceptualHash.distance(hash, PerceptualHash.of(cropped))).isLessThanOrEqualTo(near);
        for (int seed = 2; seed < 12; seed++) {
            assertThat(PerceptualHash.distance(hash, PerceptualHash.of(picture(seed, 600, 400)))).isGreaterThan(near);
        }
    }

    @Test
    void theSamePixelsInAnotherModeHashTheSame() {
        Pixels rgb = picture(3, 200, 150);
        byte[] rgba = new byte[200 * 150 * 4];
        for (int i = 0, j = 0; i < rgb.data().length; i += 3, j += 4) {
            System.arraycopy(rgb.data(), i, rgba, j, 3);
            rgba[j + 3] = (byte) 128; // alpha is not what a picture looks like
        }
        assertThat(PerceptualHash.of(new Pixels(200, 150, PillowMode.RGBA, rgba))).isEqualTo(PerceptualHash.of(rgb));

        byte[] grey = new byte[200 * 150];
        byte[] greyAsRgb = new byte[200 * 150 * 3];
        new Random(4).nextBytes(grey);
        for (int i = 0; i < grey.length; i++) java.util.Arrays.fill(greyAsRgb, i * 3, i * 3 + 3, grey[i]);
        assertThat(PerceptualHash.of(new Pixels(200, 150, PillowMode.L, grey)))
                .isEqualTo(PerceptualHash.of(new Pixels(200, 150, PillowMode.RGB, greyAsRgb)));
    }

    @Test
    void aPaletteWithAlphaImageHashesThroughItsPaletteNotItsIndices() {
        Pixels rgb = picture(5, 200, 150);
        // Indices 0..255 in a random order, looked up in a palette that maps each back to the picture's grey.
        Random random = new Random(6);
        int[] order = random.ints(0, 256).distinct().limit(256).toArray();
        byte[] palette = new byte[768];
        byte[] pa = new byte[200 * 150 * 2];
        byte[] grey = new byte[200 * 150 * 3];
        for (int i = 0; i < 200 * 150; i++) {
            int level = rgb.data()[i * 3] & 0xff;
            pa[i * 2] = (byte) order[level];
            pa[i * 2 + 1] = (byte) random.nextInt(256);
            java.util.Arrays.fill(grey, i * 3, i * 3 + 3, (byte) level);
        }
        for (int level = 0; level < 256; level++) {
            java.util.Arrays.fill(palette, order[level] * 3, order[level] * 3 + 3, (byte) level);
        }
        Pixels paletted = new Pixels(200, 150, PillowMode.PA, pa, palette);

        long expected = PerceptualHash.of(new Pixels(200, 150, PillowMode.RGB, grey));
        assertThat(PerceptualHash.of(paletted)).isEqualTo(expected);
        // The indices read as grey levels are another picture.
        assertThat(PerceptualHash.of(new Pixels(200, 150, PillowMode.LA, pa))).isNotEqualTo(expected);
    }

    @Test
    void aSixteenBitGreyImageHashesAsTheEightBitsCLIPSees() {
        Random random = new Random(8);
        byte[] grey = new byte[120 * 90];
        byte[] wide = new byte[grey.length * 2];
        for (int i = 0; i < grey.length; i++) {
            int v = random.nextInt(1000); // over 255 is white to CLIP, not its low byte
            grey[i] = (byte) Math.min(v, 255);
            wide[i * 2] = (byte) v; // little-endian
            wide[i * 2 + 1] = (byte) (v >> 8);
        }

        assertThat(PerceptualHash.of(new Pixels(120, 90, PillowMode.I16, wide)))
                .isEqualTo(PerceptualHash.of(new Pixels(120, 90, PillowMode.L, grey)));
    }

    @Test
    void halfTheBitsAreSetAndTinyOrExtremeImagesHashToo() {
        long hash = PerceptualHash.of(picture(5, 300, 300));
        assertThat(Long.bitCount(hash)).as("the median splits the 64 coefficients").isEqualTo(32);

        Pixels tiny = picture(6, 7, 5);
        Pixels tall = picture(7, 3, 2_000);
        assertThat(PerceptualHash.of(tiny)).isEqualTo(PerceptualHash.of(tiny));
        assertThat(PerceptualHash.distance(PerceptualHash.of(repeated(tiny, 10)), PerceptualHash.of(tiny)))
                .as("a tiny image looks like its pixels repeated").isLessThanOrEqualTo(PerceptualHash.NEAR_DUPLICATE_DISTANCE);
        PerceptualHash.of(tall);
        PerceptualHash.of(new Pixels(1, 1, PillowMode.L, new byte[] {9}));
    }

    @Test
    void distanceCountsDifferingBits() {
        assertThat(PerceptualHash.distance(0L, -1L)).isEqualTo(64);
        assertThat(PerceptualHash.distance(0b1011L, 0b0010L)).isEqualTo(2);
    }

    /** Each pixel of {@code image} as a {@code factor} x {@code factor} square. */
    private static Pixels repeated(Pixels image, int factor) {
        int w = image.width() * factor;
        int h = image.height() * factor;
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                System.arraycopy(image.data(), ((y / factor) * image.width() + x / factor) * 3, out, (y * w + x) * 3, 3);
            }
        }
        return new Pixels(w, h, PillowMode.RGB, out);
    }

    /** Blocks of random colours on a gradient: structure at low frequencies, as a picture has. */
    static Pixels picture(long seed, int width, int height) {
        Random random = new Random(seed);
        byte[] data = new byte[width * height * 3];
        int blocks = 6;
        int[][] colour = new int[blocks * blocks][3];
        for (int[] c : colour) for (int k = 0; k < 3; k++) c[k] = random.nextInt(256);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int[] c = colour[(y * blocks / height) * blocks + x * blocks / width];
                for (int k = 0; k < 3; k++) {
                    data[(y * width + x) * 3 + k] = (byte) Math.min(255, c[k] * 3 / 4 + (x + y) * 64 / (width + height));
                }
            }
        }
        return new Pixels(width, height, PillowMode.RGB, data);
    }
}
