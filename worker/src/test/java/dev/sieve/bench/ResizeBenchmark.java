package dev.sieve.bench;

import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import dev.sieve.image.resize.PillowResize;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: the two Pillow-exact resamplings of the preprocessing path, on photo-like RGB pixels. Run by
 * {@code scripts/bench micro}; not a test.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ResizeBenchmark {
    private Pixels tile;
    private Pixels photo;

    @Setup
    public void setUp() {
        tile = PhotoPixels.rgb(672, 672, new Random(1));
        photo = PhotoPixels.rgb(4000, 3000, new Random(2));
    }

    /** CLIP's step on a tile: shorter side 672 to 336, Pillow BICUBIC (then the 336 centre crop is a no-op). */
    @Benchmark
    public Pixels bicubic672To336() {
        return PillowResize.resize(tile, 336, 336, PillowResize.Filter.BICUBIC);
    }

    /** The tiling step on a 12-megapixel photo: shorter side to 1536, Pillow BILINEAR (torchvision's resize). */
    @Benchmark
    public Pixels bilinear4000x3000To1536() {
        return PillowResize.resize(photo, 2048, 1536, PillowResize.Filter.BILINEAR);
    }

    /** Deterministic photo-like pixels: a smooth colour field plus noise, so that no shortcut sees flat input. */
    static final class PhotoPixels {
        static Pixels rgb(int w, int h, Random random) {
            byte[] data = new byte[w * h * 3];
            double[] phase = {random.nextDouble() * 6, random.nextDouble() * 6, random.nextDouble() * 6};
            int at = 0;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < 3; c++) {
                        double v = 128 + 90 * Math.sin(x / (70.0 + 20 * c) + phase[c]) * Math.cos(y / (90.0 - 15 * c))
                                + random.nextGaussian() * 6;
                        data[at++] = (byte) Math.max(0, Math.min(255, (int) v));
                    }
                }
            }
            return new Pixels(w, h, PillowMode.RGB, data);
        }
    }
}
