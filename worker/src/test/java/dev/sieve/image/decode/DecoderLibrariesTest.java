package dev.sieve.image.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.sieve.metrics.MetricsServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class DecoderLibrariesTest {

    @Test
    void aHostWithAllThreeLibrariesRunsTheExactFastPathAndSaysSoInOneLineAndAMetric() {
        assumeThat(TurboJpeg.load()).as("libturbojpeg0 installed").isPresent();
        assumeThat(LibDeflate.load()).as("libdeflate0 installed").isPresent();
        assumeThat(LibWebp.load()).as("libwebp7 and libwebpdemux2 installed").isPresent();
        assumeThat(TiffCodecs.zstdLoaded() && TiffCodecs.lzmaLoaded()).as("libzstd1 and liblzma5 installed").isTrue();
        DecoderLibraries d = DecoderLibraries.probe(DecodeOptions.JpegDecoder.AUTO);

        assertThat(d).isEqualTo(new DecoderLibraries(DecoderLibraries.LIBJPEG_TURBO, DecoderLibraries.LIBDEFLATE,
                DecoderLibraries.LIBWEBP));
        assertThat(d.exact()).isTrue();
        assertThat(d.line()).startsWith("decoders: JPEG libjpeg-turbo, PNG libdeflate, WebP libwebp, TIFF libzstd+liblzma+liblcms2").doesNotContain("\n");
        d.requireExact(); // does not throw

        PrometheusMeterRegistry registry = MetricsServer.newRegistry();
        d.register(registry);
        assertThat(registry.scrape())
                .contains("sieve_decoder_info{jpeg=\"libjpeg-turbo\",png=\"libdeflate\",tiff=\"libzstd+liblzma+liblcms2\",webp=\"libwebp\"} 1");
    }

    @Test
    void theImageIoFallbackIsNamedWithThePackageThatFixesItAndRefusedWhenExactDecodersAreRequired() {
        DecoderLibraries d = DecoderLibraries.probe(DecodeOptions.JpegDecoder.IMAGEIO);

        assertThat(d.jpeg()).isEqualTo(DecoderLibraries.IMAGEIO);
        assertThat(d.exact()).isFalse();
        assertThat(d.line()).contains("JPEG imageio").contains("libturbojpeg0").doesNotContain("\n");
        assertThatThrownBy(d::requireExact).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("--require-exact-decoders").hasMessageContaining("libturbojpeg0");

        PrometheusMeterRegistry registry = MetricsServer.newRegistry();
        d.register(registry);
        assertThat(registry.scrape())
                .containsPattern("sieve_decoder_info\\{jpeg=\"imageio\",png=\"[a-z.]+\",tiff=\"[a-z0-9+]+\",webp=\"[a-z]+\"} 1");
    }

    @Test
    void zlibInsteadOfLibdeflateIsTheSlowPathAndAlsoRefused() {
        DecoderLibraries d = new DecoderLibraries(DecoderLibraries.LIBJPEG_TURBO, DecoderLibraries.JAVA_ZIP,
                DecoderLibraries.LIBWEBP);

        assertThat(d.exact()).isFalse();
        assertThat(d.line()).contains("PNG java.util.zip").contains("libdeflate0");
        assertThatThrownBy(d::requireExact).hasMessageContaining("libdeflate0");
    }

    @Test
    void withoutLibwebpWebpIsRefusedAndExactDecodersAreRefused() {
        DecoderLibraries d = new DecoderLibraries(DecoderLibraries.LIBJPEG_TURBO, DecoderLibraries.LIBDEFLATE,
                DecoderLibraries.NONE);

        assertThat(d.exact()).isFalse();
        assertThat(d.line()).contains("WebP none").contains("WebP images are refused").contains("libwebpdemux2");
        assertThatThrownBy(d::requireExact).hasMessageContaining("libwebp7");
    }

    @Test
    void withoutLibzstdZstdTiffsAreRefusedAndExactDecodersAreRefused() {
        DecoderLibraries d = new DecoderLibraries(DecoderLibraries.LIBJPEG_TURBO, DecoderLibraries.LIBDEFLATE,
                DecoderLibraries.LIBWEBP, DecoderLibraries.LIBLZMA);

        assertThat(d.exact()).isFalse();
        assertThat(d.line()).contains("TIFF liblzma").contains("libzstd1");
        assertThatThrownBy(d::requireExact).hasMessageContaining("libzstd1");
    }
}
