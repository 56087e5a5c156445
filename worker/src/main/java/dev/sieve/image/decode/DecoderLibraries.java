package dev.sieve.image.decode;

import dev.sieve.metrics.MeterNames;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Which libraries this process decodes with. The native libraries are optional, so a host or an image that lacks one
 * still scores most images, only not the way the tests and figures are measured: without libjpeg-turbo JPEGs go
 * through ImageIO (the same pixels on the format corpus — ICC profiles ignored, YCCK converted as libjpeg does — but
 * slower, and no DCT scaling), without libdeflate PNG data inflates with java.util.zip (exact, about half as fast),
 * without libwebp WebP images (and WebP-compressed TIFFs) are refused (UNSUPPORTED_FORMAT: no other decoder gives
 * Pillow's pixels for lossy WebP), without libzstd or liblzma TIFFs compressed with them are refused
 * ({@link TiffCodecs}), and without liblcms2 CIELab TIFFs are (Pillow converts them through littleCMS). A worker says at start which it got, in one line and in {@code sieve_decoder_info}, and can
 * refuse to run without all of them.
 *
 * @param jpeg {@link #LIBJPEG_TURBO} or {@link #IMAGEIO}
 * @param png  {@link #LIBDEFLATE} or {@link #JAVA_ZIP}
 * @param webp {@link #LIBWEBP} or {@link #NONE}
 * @param tiff the TIFF libraries: {@link #TIFF_CODECS} (libzstd, liblzma, liblcms2), those of them that loaded
 *             ("+"-joined), or {@link #NONE}
 */
public record DecoderLibraries(String jpeg, String png, String webp, String tiff) {
    public static final String LIBJPEG_TURBO = "libjpeg-turbo";
    public static final String IMAGEIO = "imageio";
    public static final String LIBDEFLATE = "libdeflate";
    public static final String JAVA_ZIP = "java.util.zip";
    public static final String LIBWEBP = "libwebp";
    public static final String NONE = "none";
    public static final String LIBZSTD = "libzstd";
    public static final String LIBLZMA = "liblzma";
    public static final String LIBLCMS2 = "liblcms2";
    public static final String TIFF_CODECS = LIBZSTD + "+" + LIBLZMA + "+" + LIBLCMS2;

    /** With all the TIFF libraries. */
    public DecoderLibraries(String jpeg, String png, String webp) {
        this(jpeg, png, webp, TIFF_CODECS);
    }

    /** What an {@link ImageDecoder} with this JPEG setting uses here (loads the libraries once, if not yet). */
    public static DecoderLibraries probe(DecodeOptions.JpegDecoder jpegDecoder) {
        boolean turbo = jpegDecoder == DecodeOptions.JpegDecoder.AUTO && TurboJpeg.load().isPresent();
        return new DecoderLibraries(turbo ? LIBJPEG_TURBO : IMAGEIO, LibDeflate.load().isPresent() ? LIBDEFLATE : JAVA_ZIP,
                LibWebp.load().isPresent() ? LIBWEBP : NONE, tiffLibraries());
    }

    private static String tiffLibraries() {
        java.util.List<String> loaded = new java.util.ArrayList<>();
        if (TiffCodecs.zstdLoaded()) loaded.add(LIBZSTD);
        if (TiffCodecs.lzmaLoaded()) loaded.add(LIBLZMA);
        if (dev.sieve.image.LibLcms.load().isPresent()) loaded.add(LIBLCMS2);
        return loaded.isEmpty() ? NONE : String.join("+", loaded);
    }

    /** All the native libraries: the pixels and speed the tests and the README's figures are measured with. */
    public boolean exact() {
        return LIBJPEG_TURBO.equals(jpeg) && LIBDEFLATE.equals(png) && LIBWEBP.equals(webp) && TIFF_CODECS.equals(tiff);
    }

    /** One log line, naming the Debian package that is missing when a fallback is in use. */
    public String line() {
        return "decoders: JPEG " + jpeg + ", PNG " + png + ", WebP " + webp + ", TIFF " + tiff
                + (exact() ? " (the exact, fast path)" : "; fallback: " + missing());
    }

    private String missing() {
        StringBuilder b = new StringBuilder();
        if (!LIBJPEG_TURBO.equals(jpeg)) {
            b.append("JPEGs decode slower and without --dct-scaling; install libturbojpeg0 (and keep --jpeg-decoder AUTO)");
        }
        if (!LIBDEFLATE.equals(png)) {
            b.append(b.isEmpty() ? "" : "; ").append("PNGs decode about 2x slower; install libdeflate0");
        }
        if (!LIBWEBP.equals(webp)) {
            b.append(b.isEmpty() ? "" : "; ").append("WebP images are refused; install libwebp7 and libwebpdemux2");
        }
        if (!TIFF_CODECS.equals(tiff)) {
            b.append(b.isEmpty() ? "" : "; ").append("ZSTD, LZMA or CIELab TIFFs are refused; install libzstd1,"
                    + " liblzma5 and liblcms2-2");
        }
        return b.toString();
    }

    /** For {@code --require-exact-decoders}: refuses the fallbacks, naming what to install. */
    public void requireExact() {
        if (!exact()) {
            throw new IllegalStateException("--require-exact-decoders: " + line().substring("decoders: ".length()));
        }
    }

    /**
     * {@code sieve_decoder_info{jpeg="…",png="…",tiff="…",webp="…"} 1}, the Prometheus convention for a fact about a
     * process.
     */
    public void register(MeterRegistry registry) {
        Gauge.builder(MeterNames.DECODER_INFO, () -> 1).tag("jpeg", jpeg).tag("png", png).tag("webp", webp).tag("tiff", tiff)
                .description("The image decoders this process runs with (value always 1)").register(registry);
    }
}
