package dev.sieve.image.resize;

import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sieve.image.resize.FiveCrop.Origin;
import org.junit.jupiter.api.Test;

class FiveCropTest {

    @Test
    void cutsCornersThenCentre() {
        assertThat(FiveCrop.origins(1000, 800, 672)).containsExactly(
                new Origin(0, 0), new Origin(328, 0), new Origin(0, 128), new Origin(328, 128), new Origin(164, 64));
    }

    @Test
    void roundsAnOddCentreMarginHalfToEvenLikePython() {
        assertThat(FiveCrop.centre(673, 672)).isZero();    // round(0.5) = 0
        assertThat(FiveCrop.centre(675, 672)).isEqualTo(2); // round(1.5) = 2
        assertThat(FiveCrop.centre(677, 672)).isEqualTo(2); // round(2.5) = 2
        assertThat(FiveCrop.centre(679, 672)).isEqualTo(4); // round(3.5) = 4
        assertThat(FiveCrop.centre(672, 672)).isZero();
    }

    @Test
    void cropsTheExactPixels() {
        byte[] data = new byte[4 * 3];
        for (int i = 0; i < data.length; i++) data[i] = (byte) i;
        Pixels image = new Pixels(4, 3, PillowMode.L, data);

        var crops = FiveCrop.crops(image, 2);

        assertThat(crops.get(0).data()).containsExactly(0, 1, 4, 5);
        assertThat(crops.get(1).data()).containsExactly(2, 3, 6, 7);
        assertThat(crops.get(2).data()).containsExactly(4, 5, 8, 9);
        assertThat(crops.get(3).data()).containsExactly(6, 7, 10, 11);
        assertThat(crops.get(4).data()).containsExactly(1, 2, 5, 6); // left round(1.0)=1, top round(0.5)=0
    }

    @Test
    void refusesACropLargerThanTheImage() {
        assertThatThrownBy(() -> FiveCrop.origins(600, 900, 672)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("672");
    }
}
