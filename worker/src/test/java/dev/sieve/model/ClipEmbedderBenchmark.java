package dev.sieve.model;

import ai.djl.Device;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Forward time per crop of the fixture CLIP at a few batch sizes. Not a test: run it on purpose with
 * {@code mvn -o test -pl worker -Dtest=ClipEmbedderBenchmark -Dsieve.bench=true}.
 */
@EnabledIfSystemProperty(named = "sieve.bench", matches = "true")
class ClipEmbedderBenchmark {

    @Test
    void forwardTimePerCrop() throws Exception {
        String order = System.getProperty("sieve.bench.order", "1,8,32");
        boolean fresh = Boolean.getBoolean("sieve.bench.fresh");
        ClipEmbedder clip = ClipEmbedder.load(ModelFixtures.clip336(), Device.cpu());
        try {
            int cropFloats = clip.preprocessing().cropFloats();
            for (String b : order.split(",")) {
                int batch = Integer.parseInt(b.trim());
                if (fresh) {
                    clip.close();
                    clip = ClipEmbedder.load(ModelFixtures.clip336(), Device.cpu());
                }
                float[] pixels = new float[batch * cropFloats];
                Random random = new Random(batch);
                for (int i = 0; i < pixels.length; i++) pixels[i] = (float) random.nextGaussian();
                for (int i = 0; i < 5; i++) clip.embed(pixels, batch);
                int iterations = Math.max(10, 200 / batch);
                long[] nanos = new long[iterations];
                for (int i = 0; i < iterations; i++) {
                    long start = System.nanoTime();
                    clip.embed(pixels, batch);
                    nanos[i] = System.nanoTime() - start;
                }
                Arrays.sort(nanos);
                System.out.printf("BENCH batch %2d: per crop median %.3f ms, min %.3f ms (%d iterations)%n", batch,
                        nanos[iterations / 2] / 1e6 / batch, nanos[0] / 1e6 / batch, iterations);
            }
        } finally {
            clip.close();
        }
    }
}
