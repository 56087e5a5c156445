package dev.sieve.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * LAB → RGB through littleCMS as Pillow 9.4's convert("RGB") does it. The expected bytes are what Pillow 9.4 (Debian's
 * python3-pil, Debian's liblcms2 2.14) gives for these pixels, the extremes of each band included:
 * {@code Image.frombytes("LAB", (5, 1), bytes).convert("RGB")}. The TIFF corpus checks whole images.
 */
class LibLcmsTest {
    @Test
    void convertsLabAsPillowDoes() {
        assumeTrue(LibLcms.load().isPresent(), "liblcms2 is not installed");
        byte[] lab = bytes(50, 0, 0, 100, 128, 128, 0, 255, 0, 255, 0, 255, 200, 10, 240);

        byte[] rgb = LibLcms.load().get().labToRgb(lab, 5);

        assertThat(rgb).containsExactly(bytes(47, 47, 47, 0, 133, 255, 0, 1, 1, 253, 255, 255, 202, 188, 224));
    }

    @Test
    void aMissingLibraryIsEmptyNotAnError() {
        assertThat(LibLcms.open("sieve-no-such-lcms")).isEmpty();
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) out[i] = (byte) values[i];
        return out;
    }
}
