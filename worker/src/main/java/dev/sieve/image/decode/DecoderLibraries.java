package dev.sieve.image.decode;

import dev.sieve.metrics.MeterNames;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Which libraries this process decodes with. Both native libraries are optional (sieve falls back to pure Java), so
 * a host or an image that lacks one still scores, only not the way the tests verify: without libjpeg-turbo JPEGs go
 * through ImageIO, which applies embedded ICC profiles where Pillow does not (a JPEG with a profile scored 0.2 away
 * from the reference), and without libdeflate PNG data inflates with java.util.zip (exact, about half as fast). A
 * worker says at start which it got, in one line and in {@code sieve_decoder_info}, and can refuse to run without both.
 *
 * @param jpeg {@link #LIBJPEG_TURBO} or {@link #IMAGEIO}
 * @param png  {@link #LIBDEFLATE} or {@link #JAVA_ZIP}
 */
public record DecoderLibraries(String jpeg, String png) {
    public static final String LIBJPEG_TURBO = "libjpeg-turbo";
    public static final String IMAGEIO = "imageio";
    public static final String LIBDEFLATE = "libdeflate";
    public static final String JAVA_ZIP = "java.util.zip";

    /** What an {@link ImageDecoder} with this JPEG setting uses here (loads the libraries once, if not yet). */
    public static DecoderLibraries probe(DecodeOptions.JpegDecoder jpegDecoder) {
        boolean turbo = jpegDecoder == DecodeOptions.JpegDecoder.AUTO && TurboJpeg.load().isPresent();
        return new DecoderLibraries(turbo ? LIBJPEG_TURBO : IMAGEIO, LibDeflate.load().isPresent() ? LIBDEFLATE : JAVA_ZIP);
    }

    /** Both native libraries: the pixels and speed the tests and the README's figures are measured with. */
    public boolean exact() {
        return LIBJPEG_TURBO.equals(jpeg) && LIBDEFLATE.equals(png);
    }

    /** One log line, naming the Debian package that is missing when a fallback is in use. */
    public String line() {
        return "decoders: JPEG " + jpeg + ", PNG " + png + (exact() ? " (the exact, fast path)" : "; fallback: " + missing());
    }

    private String missing() {
        StringBuilder b = new StringBuilder();
        if (!LIBJPEG_TURBO.equals(jpeg)) {
            b.append("JPEGs with an ICC profile score differently from the reference; install libturbojpeg0 "
                    + "(and keep --jpeg-decoder AUTO)");
        }
        if (!LIBDEFLATE.equals(png)) {
            b.append(b.isEmpty() ? "" : "; ").append("PNGs decode about 2x slower; install libdeflate0");
        }
        return b.toString();
    }

    /** For {@code --require-exact-decoders}: refuses the fallbacks, naming what to install. */
    public void requireExact() {
        if (!exact()) {
            throw new IllegalStateException("--require-exact-decoders: " + line().substring("decoders: ".length()));
        }
    }

    /** {@code sieve_decoder_info{jpeg="…",png="…"} 1}, the Prometheus convention for a fact about a process. */
    public void register(MeterRegistry registry) {
        Gauge.builder(MeterNames.DECODER_INFO, () -> 1).tag("jpeg", jpeg).tag("png", png)
                .description("The image decoders this process runs with (value always 1)").register(registry);
    }
}
