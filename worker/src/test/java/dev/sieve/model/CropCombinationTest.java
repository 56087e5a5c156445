package dev.sieve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sieve.avro.CropCombine;
import org.junit.jupiter.api.Test;

class CropCombinationTest {

    private static final float[] FIVE = {0.9f, 0.1f, 0.4f, 0.3f, 0.8f};
    private static final float[] FOUR = {0.9f, 0.1f, 0.4f, 0.3f};

    @Test
    void meanAveragesTheCrops() {
        assertThat(CropCombination.combine(CropCombine.MEAN, FIVE)).isCloseTo(0.5, within(1e-7));
    }

    @Test
    void medianOfFiveIsTheMiddleValue() {
        assertThat(CropCombination.combine(CropCombine.MEDIAN, FIVE)).isEqualTo(0.4f);
    }

    @Test
    void medianOfAnEvenCountIsTheLowerMiddleLikeTorchMedian() {
        // torch.median(torch.tensor([0.9, 0.1, 0.4, 0.3])) == 0.3, not (0.3 + 0.4) / 2
        assertThat(CropCombination.combine(CropCombine.MEDIAN, FOUR)).isEqualTo(0.3f);
    }

    @Test
    void maxAndMinPickTheExtremes() {
        assertThat(CropCombination.combine(CropCombine.MAX, FIVE)).isEqualTo(0.9f);
        assertThat(CropCombination.combine(CropCombine.MIN, FIVE)).isEqualTo(0.1f);
    }

    @Test
    void singleTakesTheOnlyValueAndRefusesMore() {
        assertThat(CropCombination.combine(CropCombine.SINGLE, new float[] {0.7f})).isEqualTo(0.7f);
        assertThatThrownBy(() -> CropCombination.combine(CropCombine.SINGLE, FOUR))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
