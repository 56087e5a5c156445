package dev.sieve.image.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sieve.image.ImagePreparer;
import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import dev.sieve.image.PreparedImage;
import dev.sieve.image.clip.ClipPreprocessing;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.resize.FiveCrop;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The device step's tables: bounded by the tiles, not by the image, and the mode's handling. */
class DevicePlanTest {
    private static final ClipPreprocessing CLIP = ClipPreprocessing.openaiClip336();

    @Test
    void resamplesOnlyTheRowsAndColumnsTheTilesCoverInThe1536Step() {
        // 673 x 100,000: the step's output is 1536 x 228,234; the five tiles read 3 x 672 of its rows.
        Pixels tall = new Pixels(673, 100_000, PillowMode.L, new byte[673 * 100_000]);

        DevicePlan plan = DevicePlan.of(tall, 673, 100_000, CLIP, true, true);

        assertThat(plan.tiled()).isTrue();
        assertThat(plan.step().vertical().outputs()).isEqualTo(3 * 672);
        assertThat(plan.step().horizontal().outputs()).isEqualTo(1536);
        // Input rows read: the taps under 2,016 output rows at a 0.44 downscale, a few each; far from 100,000.
        assertThat(plan.step().rows().length).isLessThan(5_000);
        assertThat(plan.step().rows()).isSorted().doesNotHaveDuplicates();
        // Origins are positions in the resampled grid: the bottom tiles start where the grid's last 672 rows do.
        assertThat(plan.origins()).extracting(FiveCrop.Origin::top).containsExactly(0, 0, 1344, 1344, 672);
        assertThat(plan.crops()).isEqualTo(6);
    }

    @Test
    void premultipliesAlphaModesAndPicksNearestForPaletteAndBilevel() {
        Pixels rgba = new Pixels(1600, 1000, PillowMode.RGBA, new byte[1600 * 1000 * 4]);
        Pixels palette = new Pixels(1600, 1000, PillowMode.P, new byte[1600 * 1000 * 3]);

        DevicePlan alpha = DevicePlan.of(rgba, 1600, 1000, CLIP, true, false);
        DevicePlan nearest = DevicePlan.of(palette, 1600, 1000, CLIP, true, false);

        assertThat(alpha.premultiply()).isTrue();
        assertThat(alpha.step().horizontal().taps()).isGreaterThan(1);
        assertThat(nearest.premultiply()).isFalse();
        assertThat(nearest.step().horizontal().taps()).isEqualTo(1);
        assertThat(Arrays.stream(nearest.step().horizontal().weights()).distinct()).containsExactly(1L << 22);
        assertThat(alpha.crops()).isEqualTo(5);
        assertThat(alpha.whole()).isNull();
    }

    @Test
    void refusesModesItDoesNotCover() {
        Pixels cmyk = new Pixels(10, 10, PillowMode.CMYK, new byte[400]);

        assertThat(DevicePlan.covers(PillowMode.CMYK)).isFalse();
        assertThatThrownBy(() -> DevicePlan.of(cmyk, 10, 10, CLIP, true, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CMYK");
    }

    @Test
    void leavesPaletteWithAlphaToTheHost() throws Exception {
        // "PA" resamples its index band and then looks it up: the device step's tables have no such path.
        byte[] tiff;
        try (var in = DevicePlanTest.class.getResourceAsStream(
                "/formats/tiff/cases/pa_deflate_1600x700_tiled_resized.tif")) {
            tiff = in.readAllBytes();
        }
        ImagePreparer onDevice = new ImagePreparer(CLIP, DecodeOptions.defaults(), true, PreprocessOn.DEVICE);
        ImagePreparer onHost = new ImagePreparer(CLIP, DecodeOptions.defaults(), true, PreprocessOn.HOST);

        PreparedImage device = onDevice.prepare(tiff, true);
        PreparedImage host = onHost.prepare(tiff, true);

        assertThat(DevicePlan.covers(PillowMode.PA)).isFalse();
        assertThat(device.device()).isNull();
        assertThat(onDevice.hostFallbacks()).isEqualTo(1);
        assertThat(device.tiles()).isEqualTo(host.tiles());
        assertThat(device.whole()).isEqualTo(host.whole());
    }
}
