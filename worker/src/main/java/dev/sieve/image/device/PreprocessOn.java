package dev.sieve.image.device;

/**
 * Where CLIP's preprocessing (the 1536 step, five_crop, convert("RGB"), the bicubic resize, centre crop, normalise)
 * runs: on the host's cores, or where the model runs ({@link DevicePlan}). Decoding is always the host's.
 */
public enum PreprocessOn {
    HOST,
    DEVICE;

    /** The default for a model device: a GPU's cores are the ones to spare; on a CPU both are the same cores. */
    public static PreprocessOn defaultFor(boolean gpu) {
        return gpu ? DEVICE : HOST;
    }
}
