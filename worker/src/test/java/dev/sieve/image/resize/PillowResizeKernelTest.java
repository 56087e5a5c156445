package dev.sieve.image.resize;

import dev.sieve.image.ImageGoldenTest;
import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The RGB kernels (two rows at a time, and the fixed eight-tap one for exact 2:1 bicubic) against the general
 * any-channel loop: an opaque RGBA image is resized premultiplied with alpha 255, which leaves every colour as it is,
 * through the four-channel loop, so its colour channels must equal the RGB resize byte for byte. The Pillow goldens
 * (ImageGoldenTest) check the RGB kernels against Pillow itself on the real tile sizes.
 */
class PillowResizeKernelTest {

    @Test
    void rgbKernelsMatchTheGeneralLoopOnAnOpaqueRgbaImage() {
        Random random = new Random(5);
        int[][] cases = {
            {672, 672, 336, 336},   // CLIP's tile step: exact 2:1, eight-tap kernel
            {673, 671, 336, 335},   // near 2:1, odd sizes: general kernel, odd row count
            {200, 50, 100, 25},     // small 2:1
            {1001, 333, 385, 128},  // bilinear-like odd ratio
            {300, 200, 700, 500},   // upscale
            {640, 9, 320, 9},       // horizontal only, odd rows
        };
        for (int[] c : cases) {
            byte[] rgb = new byte[c[0] * c[1] * 3];
            random.nextBytes(rgb);
            byte[] rgba = new byte[c[0] * c[1] * 4];
            for (int i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
                rgba[j] = rgb[i];
                rgba[j + 1] = rgb[i + 1];
                rgba[j + 2] = rgb[i + 2];
                rgba[j + 3] = (byte) 255;
            }
            for (PillowResize.Filter filter : PillowResize.Filter.values()) {
                Pixels viaRgb = PillowResize.resize(new Pixels(c[0], c[1], PillowMode.RGB, rgb), c[2], c[3], filter);
                Pixels viaRgba = PillowResize.resize(new Pixels(c[0], c[1], PillowMode.RGBA, rgba), c[2], c[3], filter);

                assertThat(viaRgb.data()).as("%s %s", java.util.Arrays.toString(c), filter)
                        .isEqualTo(viaRgba.toRgb().data());
            }
        }
    }

    @Test
    void anExact2To1DownscaleHasAUniformInteriorOfEightBicubicTaps() {
        PillowResize.Coefficients co = PillowResize.coefficients(672, 336, PillowResize.Filter.BICUBIC);

        int[] run = co.uniformRun();

        assertThat(run[0]).isBetween(1, 4);
        assertThat(run[1]).isBetween(332, 335);
        assertThat(co.count()[run[0]]).isEqualTo(8);
    }
}
