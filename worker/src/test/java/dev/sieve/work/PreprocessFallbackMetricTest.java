package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.image.ImageGoldenTest;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.clip.ClipPreprocessing;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.device.PreprocessOn;
import dev.sieve.metrics.MetricsServer;
import org.junit.jupiter.api.Test;

/** {@code sieve_worker_preprocess_fallback_total}: the images device mode had to prepare on the host. */
class PreprocessFallbackMetricTest {

    @Test
    void countsTheImagesTheDeviceStepLeftToTheHost() throws Exception {
        var registry = MetricsServer.newRegistry();
        ImagePreparer preparer = new ImagePreparer(ClipPreprocessing.openaiClip336(), DecodeOptions.defaults(), true,
                PreprocessOn.DEVICE);
        new WorkerMetrics(registry).bind(preparer);

        preparer.prepare(ImageGoldenTest.resource("cases/jpeg_cmyk_1600x800_tiled_resized.jpg"), false);
        preparer.prepare(ImageGoldenTest.resource("cases/rgba_400x300.png"), false);

        assertThat(registry.scrape()).contains("sieve_worker_preprocess_fallback_total 1.0");
    }
}
