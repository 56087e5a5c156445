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

    /**
     * Hashes this close (in bits) are the same picture: the largest distance with no false positive among 716 400 pairs
     * of different pictures, where it finds 95 % of re-encoded, resized and cropped copies ({@code scripts/bench hashes},
     * docs/records.md).
     */
    public static final int NEAR_DUPLICATE_DISTANCE = 10;

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
        // The wide grey modes (I;16, I, F) are hashed as CLIP sees them: clipped to 8 bits by convert("RGB"); "PA"
        // through its palette, since its first band is an index, not a grey level; "LAB" as its RGB.
        PillowMode mode = image.mode();
        boolean asRgb = mode.wide() || mode == PillowMode.PA || mode == PillowMode.LAB;
        double[] grey = shrink(asRgb ? image.toRgb() : image);
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
     * Grey (ITU-R 601 luma, as Pillow's {@code convert("L")}) averaged over a 32x32 grid of areas. Along each axis, area
     * {@code i} covers pixels {@code [i*n/32, (i+1)*n/32)}, at least one: over 32 pixels the areas split the image, under
     * 32 each area takes the pixel it falls on (an image of 7 pixels looks like itself enlarged). Integer sums in
     * thousandths of a grey level: this runs over every decoded pixel.
     */
    private static double[] shrink(Pixels image) {
        int w = image.width();
        int h = image.height();
        int c = image.mode().channels();
        byte[] data = image.data();
        int[] x0 = new int[SIZE];
        int[] x1 = new int[SIZE];
        int[] y0 = new int[SIZE];
        int[] y1 = new int[SIZE];
        span(w, x0, x1);
        span(h, y0, y1);
        long[] sum = new long[SIZE * SIZE];
        int[] luma = new int[w];
        long[] rowSums = new long[SIZE];
        boolean grey = c <= 2;
        boolean cmyk = image.mode() == PillowMode.CMYK;
        int first = 0; // the first area row that may still hold y: areas advance with y
        for (int y = 0; y < h; y++) {
            int at = y * w * c;
            for (int x = 0; x < w; x++, at += c) {
                if (grey) {
                    luma[x] = (data[at] & 0xff) * 1000;
                } else if (cmyk) {
                    int k = data[at + 3] & 0xff;
                    luma[x] = Math.max(0, 255 - (data[at] & 0xff) - k) * 299
                            + Math.max(0, 255 - (data[at + 1] & 0xff) - k) * 587
                            + Math.max(0, 255 - (data[at + 2] & 0xff) - k) * 114;
                } else {
                    luma[x] = (data[at] & 0xff) * 299 + (data[at + 1] & 0xff) * 587 + (data[at + 2] & 0xff) * 114;
                }
            }
            for (int cx = 0; cx < SIZE; cx++) {
                long s = 0;
                for (int x = x0[cx]; x < x1[cx]; x++) s += luma[x];
                rowSums[cx] = s;
            }
            while (first < SIZE && y1[first] <= y) first++;
            for (int cy = first; cy < SIZE && y0[cy] <= y; cy++) {
                for (int cx = 0; cx < SIZE; cx++) sum[cy * SIZE + cx] += rowSums[cx];
            }
        }
        double[] out = new double[SIZE * SIZE];
        for (int cy = 0; cy < SIZE; cy++) {
            for (int cx = 0; cx < SIZE; cx++) {
                long pixels = (long) (y1[cy] - y0[cy]) * (x1[cx] - x0[cx]);
                out[cy * SIZE + cx] = sum[cy * SIZE + cx] / 1000.0 / pixels;
            }
        }
        return out;
    }

    /** Area i along an axis of n pixels: [i*n/32, (i+1)*n/32), and at least the pixel at i*n/32. */
    private static void span(int n, int[] from, int[] to) {
        for (int i = 0; i < SIZE; i++) {
            from[i] = (int) ((long) i * n / SIZE);
            to[i] = Math.max(from[i] + 1, (int) ((long) (i + 1) * n / SIZE));
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
