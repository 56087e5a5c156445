package dev.sieve.image;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.util.Optional;

/**
 * Pillow 9.4's {@code convert("RGB")} of a "LAB" image, which is not arithmetic of Pillow's own but a littleCMS
 * transform (Image.convert → ImageCms): from {@code cmsCreateLab2Profile(NULL)} (D50) to {@code cmsCreate_sRGBProfile()},
 * perceptual intent, no flags, with the pixel formats Pillow's {@code _imagingcms.c} gives ("LAB": Lab V2, 3 bytes plus
 * one padding byte; "RGB": {@code TYPE_RGBA_8}). Debian's python3-pil links Debian's {@code liblcms2-2}; calling the
 * same library with the same profiles and formats gives the same bytes. Loaded once through JNA; empty when the
 * library is absent (a LAB image is then refused). {@code sieve.liblcms.library} names another library (tests).
 */
public final class LibLcms {
    static final String LIBRARY_PROPERTY = "sieve.liblcms.library";

    /** lcms2.h: COLORSPACE_SH(PT_LabV2 = 30) | EXTRA_SH(1) | CHANNELS_SH(3) | BYTES_SH(1). */
    private static final int LAB_V2_8_PADDED = 30 << 16 | 1 << 7 | 3 << 3 | 1;
    /** lcms2.h TYPE_RGBA_8: COLORSPACE_SH(PT_RGB = 4) | EXTRA_SH(1) | CHANNELS_SH(3) | BYTES_SH(1). */
    private static final int RGBA_8 = 4 << 16 | 1 << 7 | 3 << 3 | 1;
    private static final int INTENT_PERCEPTUAL = 0;
    /** Pixels converted per native call: bounds the native buffers whatever the image. */
    private static final int CHUNK = 64 * 1024;

    interface Api extends Library {
        Pointer cmsCreateLab2Profile(Pointer whitePoint);

        Pointer cmsCreate_sRGBProfile();

        Pointer cmsCreateTransform(Pointer input, int inputFormat, Pointer output, int outputFormat, int intent,
                                   int flags);

        void cmsDoTransform(Pointer transform, Pointer in, Pointer out, int pixels);

        int cmsCloseProfile(Pointer profile);
    }

    private static final Optional<LibLcms> INSTANCE = open(System.getProperty(LIBRARY_PROPERTY, "lcms2"));

    private final Api api;
    /** Built once and shared: littleCMS 2 transforms may be applied from several threads at once. */
    private final Pointer labToSrgb;

    private LibLcms(Api api, Pointer labToSrgb) {
        this.api = api;
        this.labToSrgb = labToSrgb;
    }

    /** The library, or empty (with the reason on stderr once) when it cannot be loaded. */
    public static Optional<LibLcms> load() {
        return INSTANCE;
    }

    static Optional<LibLcms> open(String name) {
        try {
            Api api = Native.load(name, Api.class);
            Pointer lab = api.cmsCreateLab2Profile(null);
            Pointer srgb = api.cmsCreate_sRGBProfile();
            Pointer transform = api.cmsCreateTransform(lab, LAB_V2_8_PADDED, srgb, RGBA_8, INTENT_PERCEPTUAL, 0);
            api.cmsCloseProfile(lab);
            api.cmsCloseProfile(srgb);
            if (transform == null) throw new IllegalStateException("cmsCreateTransform failed");
            return Optional.of(new LibLcms(api, transform));
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            System.err.println("sieve: liblcms2 (library '" + name + "') not loaded, LAB images are refused: "
                    + e.getMessage());
            return Optional.empty();
        }
    }

    /** {@code pixels} LAB pixels (3 bytes each, Pillow's bands) as RGB (3 bytes each). */
    byte[] labToRgb(byte[] lab, int pixels) {
        byte[] rgb = new byte[pixels * 3];
        int chunk = Math.min(CHUNK, pixels);
        try (Memory in = new Memory(4L * chunk); Memory out = new Memory(4L * chunk)) {
            byte[] padded = new byte[4 * chunk];
            for (int from = 0; from < pixels; from += chunk) {
                int n = Math.min(chunk, pixels - from);
                // Pillow holds a* and b* as TIFF stores them, signed (0 is neutral); what reaches littleCMS from its
                // "LAB" buffer is the same as this 8-bit Lab with the usual +128 offset (checked against Pillow 9.4
                // on the corpus and on the extremes 0, 128 and 255).
                for (int i = 0; i < n; i++) {
                    int at = (from + i) * 3;
                    padded[i * 4] = lab[at];
                    padded[i * 4 + 1] = (byte) (lab[at + 1] ^ 0x80);
                    padded[i * 4 + 2] = (byte) (lab[at + 2] ^ 0x80);
                }
                in.write(0, padded, 0, 4 * n);
                api.cmsDoTransform(labToSrgb, in, out, n);
                out.read(0, padded, 0, 4 * n);
                for (int i = 0; i < n; i++) {
                    System.arraycopy(padded, i * 4, rgb, (from + i) * 3, 3);
                }
            }
        }
        return rgb;
    }
}
