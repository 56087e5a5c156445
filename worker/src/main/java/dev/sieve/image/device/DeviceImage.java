package dev.sieve.image.device;

import dev.sieve.image.PixelBudget;
import dev.sieve.image.Pixels;

/**
 * A decoded image on its way to the device step: its pixels in their own Pillow mode and the tables that step applies.
 * It holds the image's share of the pixel budget until the pixels are on the device ({@link #uploaded()}), so the
 * budget still bounds the decoded pixels the host holds while they wait for a batch.
 *
 * @param pixels the decoded image, as the host path would resize it
 * @param plan   the device step's tables for this image
 * @param share  the image's share of the pixel budget; null when unbounded
 */
public record DeviceImage(Pixels pixels, DevicePlan plan, PixelBudget.Share share) {

    /** The pixels are on the device: their share of the budget goes back (again: harmless). */
    public void uploaded() {
        if (share != null) share.close();
    }
}
