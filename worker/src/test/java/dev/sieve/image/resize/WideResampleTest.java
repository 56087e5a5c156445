package dev.sieve.image.resize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Pillow 9.4's 32-bit resampling rules on values the goldens do not single out (expected values from Pillow). */
class WideResampleTest {

    @Test
    void roundsIntSumsHalfAwayFromZeroAsPillowsRoundUpDoes() {
        // Image.new("I", (2, 1)) with -3, -2 resized to 1x1 bilinear gives -3 in Pillow 9.4 (Math.round: -2); 2, 3 gives 3.
        assertThat(ints(PillowResize.resize(ints(2, -3, -2), 1, 1, PillowResize.Filter.BILINEAR))).containsExactly(-3);
        assertThat(ints(PillowResize.resize(ints(2, 2, 3), 1, 1, PillowResize.Filter.BILINEAR))).containsExactly(3);
        assertThat(ints(PillowResize.resize(ints(2, Integer.MAX_VALUE, Integer.MAX_VALUE), 3, 1,
                PillowResize.Filter.BILINEAR))).containsExactly(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    @Test
    void storesFloatSumsAsFloats() {
        // Pillow 9.4: F 0.1, 0.2, 0.7 resized to 2x1 bilinear is 0.13750000298023224, 0.512499988079071.
        Pixels out = PillowResize.resize(floats(0.1f, 0.2f, 0.7f), 2, 1, PillowResize.Filter.BILINEAR);

        ByteBuffer b = ByteBuffer.wrap(out.data()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat((double) b.getFloat(0)).isEqualTo(0.13750000298023224);
        assertThat((double) b.getFloat(4)).isEqualTo(0.512499988079071);
    }

    @Test
    void refusesI16AsPillowDoes() {
        Pixels i16 = new Pixels(2, 1, PillowMode.I16, new byte[4]);

        assertThatThrownBy(() -> PillowResize.resize(i16, 3, 1, PillowResize.Filter.BILINEAR))
                .hasMessageContaining("image has wrong mode");
    }

    @Test
    void truncatesAsX86DoesOutOfRange() {
        assertThat(WideResample.truncate(2147483647.5)).isEqualTo(Integer.MAX_VALUE);
        assertThat(WideResample.truncate(2147483648.0)).isEqualTo(Integer.MIN_VALUE);
        assertThat(WideResample.truncate(-2147483648.9)).isEqualTo(Integer.MIN_VALUE);
        assertThat(WideResample.truncate(-2147483649.0)).isEqualTo(Integer.MIN_VALUE);
        assertThat(WideResample.truncate(Double.NaN)).isEqualTo(Integer.MIN_VALUE);
        assertThat(WideResample.truncate(-7.9)).isEqualTo(-7);
    }

    private static Pixels ints(int width, int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) b.putInt(v);
        return new Pixels(width, 1, PillowMode.I, b.array());
    }

    private static int[] ints(Pixels p) {
        ByteBuffer b = ByteBuffer.wrap(p.data()).order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[p.width() * p.height()];
        for (int i = 0; i < out.length; i++) out[i] = b.getInt(i * 4);
        return out;
    }

    private static Pixels floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return new Pixels(values.length, 1, PillowMode.F, b.array());
    }
}
