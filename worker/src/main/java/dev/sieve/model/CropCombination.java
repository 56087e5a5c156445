package dev.sieve.model;

import dev.sieve.avro.CropCombine;
import java.util.Arrays;

/** city96's {@code format_pred} rules for turning one label's per-crop values into the label's value. */
final class CropCombination {

    private CropCombination() {
    }

    /**
     * @param rule   MEAN (the reference default), MEDIAN, MAX or MIN; SINGLE takes the only value
     * @param values the per-crop values of one label, at least one
     */
    static double combine(CropCombine rule, float[] values) {
        if (values.length == 0) throw new IllegalArgumentException("no crop values to combine");
        return switch (rule) {
            case MEAN -> {
                double sum = 0;
                for (float v : values) sum += v;
                yield sum / values.length;
            }
            case MEDIAN -> {
                // torch.median returns the lower of the two middle values for an even count, not their mean.
                float[] sorted = values.clone();
                Arrays.sort(sorted);
                yield sorted[(sorted.length - 1) / 2];
            }
            case MAX -> {
                float max = values[0];
                for (float v : values) max = Math.max(max, v);
                yield max;
            }
            case MIN -> {
                float min = values[0];
                for (float v : values) min = Math.min(min, v);
                yield min;
            }
            case SINGLE -> {
                if (values.length != 1) {
                    throw new IllegalArgumentException("SINGLE takes exactly one crop value, got " + values.length);
                }
                yield values[0];
            }
        };
    }
}
