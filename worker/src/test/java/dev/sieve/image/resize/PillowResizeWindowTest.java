package dev.sieve.image.resize;

import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PillowResizeWindowTest {

    @Test
    void aWindowIsByteIdenticalToCroppingTheFullResize() {
        Random random = new Random(11);
        int[][] cases = {
            {900, 700, 400, 300}, // down both ways
            {300, 200, 700, 500}, // up both ways
            {640, 480, 640, 300}, // vertical only
            {640, 480, 200, 480}, // horizontal only
            {1001, 333, 517, 1200}, // mixed
        };
        for (PillowMode mode : new PillowMode[] {PillowMode.RGB, PillowMode.L, PillowMode.CMYK, PillowMode.RGBA}) {
            for (int[] c : cases) {
                byte[] data = new byte[c[0] * c[1] * mode.channels()];
                random.nextBytes(data);
                Pixels in = new Pixels(c[0], c[1], mode, data);
                for (PillowResize.Filter filter : PillowResize.Filter.values()) {
                    Pixels full = PillowResize.resize(in, c[2], c[3], filter);
                    for (int k = 0; k < 4; k++) {
                        int w = 1 + random.nextInt(c[2]);
                        int h = 1 + random.nextInt(c[3]);
                        int left = random.nextInt(c[2] - w + 1);
                        int top = random.nextInt(c[3] - h + 1);

                        Pixels window = PillowResize.resizeWindow(in, c[2], c[3], filter, left, top, w, h);

                        assertThat(window.data()).as("%s %s %s window %dx%d+%d+%d", mode, java.util.Arrays.toString(c),
                                filter, w, h, left, top).isEqualTo(full.crop(left, top, w, h).data());
                    }
                }
            }
        }
    }
}
