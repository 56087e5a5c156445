package dev.sieve.image.resize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Pillow 9.4's rules for "PA", as measured with it: resize resamples both bands as numbers, neither premultiplied
 * nor nearest, and leaves the core's grey-ramp palette; crop keeps the palette; convert("RGB") looks the index up.
 */
class PaletteAlphaResizeTest {

    @Test
    void resamplesIndexAndAlphaLikeTwoGreyImagesAndDropsThePalette() {
        Random random = new Random(16);
        int w = 40;
        int h = 30;
        byte[] pa = new byte[w * h * 2];
        random.nextBytes(pa);
        byte[] palette = new byte[768];
        random.nextBytes(palette);
        Pixels image = new Pixels(w, h, PillowMode.PA, pa, palette);

        Pixels resized = PillowResize.resize(image, 61, 44, PillowResize.Filter.BILINEAR);

        assertThat(resized.mode()).isEqualTo(PillowMode.PA);
        assertThat(resized.palette()).as("the grey ramp of a new core image").isNull();
        for (int band = 0; band < 2; band++) {
            byte[] grey = new byte[w * h];
            for (int i = 0; i < grey.length; i++) grey[i] = pa[i * 2 + band];
            byte[] expected = PillowResize.resize(new Pixels(w, h, PillowMode.L, grey), 61, 44,
                    PillowResize.Filter.BILINEAR).data();
            for (int i = 0; i < expected.length; i++) {
                assertThat(resized.data()[i * 2 + band]).as("band %d at %d", band, i).isEqualTo(expected[i]);
            }
        }
        // After the resize the index is shown as grey; before it, through the palette.
        byte[] rgb = resized.toRgb().data();
        assertThat(rgb[0]).isEqualTo(resized.data()[0]).isEqualTo(rgb[1]).isEqualTo(rgb[2]);
        Pixels tile = image.crop(5, 5, 10, 10);
        assertThat(tile.palette()).isSameAs(palette);
        int index = tile.data()[0] & 0xff;
        assertThat(tile.toRgb().data()).startsWith(palette[index * 3], palette[index * 3 + 1], palette[index * 3 + 2]);
    }
}
