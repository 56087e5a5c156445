package dev.sieve.image;

/**
 * A 64-bit DCT hash of what an image looks like (the "pHash" of {@code imagehash.phash}): grey, shrunk to 32x32 by
 * area averaging, a 2-D DCT-II, then one bit per coefficient of the 8x8 lowest frequencies, set when it is above their
 * median. Re-encoding, resizing and small crops move only a few bits; different pictures differ in about half. Two
 * images are near-duplicates when {@link #distance} is at most the threshold measured in docs/records.md.
 *
 * <p>Computed on the pixels the worker has already decoded (for a DCT-scaled JPEG, the scaled ones): the hash is
 * meant to survive resizing, so which size it starts from moves it no more than a resize does.
 */
public final class PerceptualHash {
    private PerceptualHash() {}

    private static final int SIZE = 32;
    private static final int LOW = 8;
    /** cos((2x+1)uπ/2N) for the 8 lowest frequencies u, the only ones the hash reads. */
    private static final double[][] COS = new double[LOW][SIZE];

    static {
        for (int u = 0; u < LOW; u++) {
            for (int x = 0; x < SIZE; x++) COS[u][x] = Math.cos((2 * x + 1) * u * Math.PI / (2 * SIZE));
        }
    }

    /** The hash of {@code image}, bit 63 for the DC coefficient, row by row through the 8x8 block. */
    public static long of(Pixels image) {
        double[] grey = shrink(image);
        // Separable DCT, low frequencies only: rows first (32 rows x 8 frequencies), then columns.
        double[] rows = new double[SIZE * LOW];
        for (int y = 0; y < SIZE; y++) {
            for (int u = 0; u < LOW; u++) {
                double sum = 0;
                for (int x = 0; x < SIZE; x++) sum += grey[y * SIZE + x] * COS[u][x];
                rows[y * LOW + u] = sum;
            }
        }
        double[] block = new double[LOW * LOW];
        for (int v = 0; v < LOW; v++) {
            for (int u = 0; u < LOW; u++) {
                double sum = 0;
                for (int y = 0; y < SIZE; y++) sum += rows[y * LOW + u] * COS[v][y];
                block[v * LOW + u] = sum;
            }
        }
        double median = median(block);
        long hash = 0;
        for (double c : block) hash = (hash << 1) | (c > median ? 1 : 0);
        return hash;
    }

    /** Bits in which two hashes differ. */
    public static int distance(long a, long b) {
        return Long.bitCount(a ^ b);
    }

    /**
     * Grey (ITU-R 601 luma, as Pillow's {@code convert("L")}) averaged over 32x32 areas; each output pixel covers the
     * source pixels whose centres fall in its area, so an image smaller than 32 on a side repeats its pixels.
     */
    private static double[] shrink(Pixels image) {
        int w = image.width();
        int h = image.height();
        int c = image.mode().channels();
        byte[] data = image.data();
        double[] sum = new double[SIZE * SIZE];
        int[] count = new int[SIZE * SIZE];
        int[] column = new int[w];
        for (int x = 0; x < w; x++) column[x] = (int) ((long) x * SIZE / w);
        for (int y = 0; y < h; y++) {
            int row = (int) ((long) y * SIZE / h) * SIZE;
            int at = y * w * c;
            for (int x = 0; x < w; x++, at += c) {
                double luma = luma(image.mode(), data, at);
                sum[row + column[x]] += luma;
                count[row + column[x]]++;
            }
        }
        double[] grey = new double[SIZE * SIZE];
        for (int i = 0; i < grey.length; i++) grey[i] = count[i] == 0 ? Double.NaN : sum[i] / count[i];
        if (w < SIZE || h < SIZE) fillGaps(grey);
        return grey;
    }

    /**
     * Areas no pixel fell in (an image under 32 px on a side) take the filled area to their left, or above in the first
     * column; the first area always holds pixel (0, 0).
     */
    private static void fillGaps(double[] grey) {
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int i = y * SIZE + x;
                if (!Double.isNaN(grey[i])) continue;
                grey[i] = x > 0 ? grey[i - 1] : y > 0 ? grey[i - SIZE] : 0;
            }
        }
    }

    /** ITU-R 601 luma of one pixel; CMYK first made RGB as Pillow does ({@code 255 - (c + k)}, clipped). */
    private static double luma(PillowMode mode, byte[] data, int at) {
        int r;
        int g;
        int b;
        switch (mode) {
            case L, LA, BILEVEL -> {
                return data[at] & 0xff;
            }
            case CMYK -> {
                int k = data[at + 3] & 0xff;
                r = Math.max(0, 255 - (data[at] & 0xff) - k);
                g = Math.max(0, 255 - (data[at + 1] & 0xff) - k);
                b = Math.max(0, 255 - (data[at + 2] & 0xff) - k);
            }
            default -> {
                r = data[at] & 0xff;
                g = data[at + 1] & 0xff;
                b = data[at + 2] & 0xff;
            }
        }
        return (r * 299 + g * 587 + b * 114) / 1000.0;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
