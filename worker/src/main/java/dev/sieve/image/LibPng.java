package dev.sieve.image;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * libpng 1.6's simplified read API ({@code png_image_*}, Debian's {@code libpng16-16}) through JNA, loaded once:
 * zlib plus libpng's SIMD row filters, several times faster than ImageIO's PNG reader on large images. It is used
 * only for files where it returns the stored samples untouched, which is what Pillow returns (see
 * {@link #decodes}); everything else stays on ImageIO. {@link #load()} is empty when the library is absent.
 * System property {@code sieve.libpng.library} names another library (tests use a missing name).
 */
final class LibPng {
    static final String LIBRARY_PROPERTY = "sieve.libpng.library";

    /** png.h's PNG_FORMAT_*: GRAY, GA, RGB, RGBA (8-bit, no colour map). */
    static final int FORMAT_GRAY = 0;
    static final int FORMAT_GA = 1;
    static final int FORMAT_RGB = 2;
    static final int FORMAT_RGBA = 3;

    /** libpng's default user limit on either side (PNG_USER_WIDTH_MAX): larger files go to ImageIO. */
    static final long MAX_SIDE = 1_000_000;

    /** sRGB's gamma as a gAMA chunk stores it; with it (or none) libpng applies no gamma to 8-bit samples. */
    private static final long SRGB_GAMMA = 45455;

    // struct png_image (png.h): opaque pointer, then version, width, height, format, flags, colormap_entries,
    // warning_or_error (each png_uint_32), then char message[64]. 8 + 7 * 4 + 64 = 100 bytes, padded to 104.
    private static final int IMAGE_SIZE = 104;
    private static final int VERSION = 8;
    private static final int FORMAT = 20;
    private static final int MESSAGE = 36;

    /** The subset of png.h that the simplified read API needs. */
    interface Api extends Library {
        int png_image_begin_read_from_memory(Pointer image, Pointer memory, long size);

        int png_image_finish_read(Pointer image, Pointer background, Pointer buffer, int rowStride,
                Pointer colormap);

        void png_image_free(Pointer image);
    }

    private static final Optional<LibPng> INSTANCE = open(System.getProperty(LIBRARY_PROPERTY, "png16"));

    private final Api api;

    private LibPng(Api api) {
        this.api = api;
    }

    /** The library, or empty (with the reason on stderr once) when it cannot be loaded. */
    static Optional<LibPng> load() {
        return INSTANCE;
    }

    /** Loads the named library (JNA's naming: "png16" finds libpng16.so.16). */
    static Optional<LibPng> open(String name) {
        try {
            return Optional.of(new LibPng(Native.load(name, Api.class)));
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            System.err.println("sieve: libpng (library '" + name + "') not loaded, PNGs are decoded with ImageIO"
                    + " (slower): " + e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The output format for a PNG whose samples libpng's simplified API hands back exactly as stored, or -1. That is
     * 8-bit grey, RGB, grey+alpha and RGBA: without a tRNS chunk (the API would then add alpha, or composite it onto
     * a background) and without a gAMA chunk other than sRGB's (the API would gamma-correct; Pillow ignores gamma).
     * 16-bit files (the API turns them into 8-bit through a linear-to-sRGB curve; Pillow keeps the high byte),
     * palettes, low bit depths and sides over libpng's default limit are ImageIO's.
     */
    static int decodes(byte[] png, long width, long height, int bitDepth, int colourType) {
        if (bitDepth != 8 || width > MAX_SIDE || height > MAX_SIDE) return -1;
        int format = switch (colourType) {
            case 0 -> FORMAT_GRAY;
            case 2 -> FORMAT_RGB;
            case 4 -> FORMAT_GA;
            case 6 -> FORMAT_RGBA;
            default -> -1;
        };
        if (format < 0) return -1;
        // Chunks before the first IDAT: length, type, data, CRC.
        int at = 8;
        while (at + 8 <= png.length) {
            long length = u32(png, at);
            String type = new String(png, at + 4, 4, StandardCharsets.ISO_8859_1);
            if (type.equals("IDAT")) return format;
            if (type.equals("tRNS")) return -1;
            if (type.equals("gAMA") && (length != 4 || at + 12 > png.length || u32(png, at + 8) != SRGB_GAMMA)) {
                return -1;
            }
            if (length > png.length) return -1;
            at += 12 + (int) length;
        }
        return -1;
    }

    /**
     * Decodes into width x height x channels bytes of the given format (from {@link #decodes}). Any error (truncated
     * or corrupt data, a bad CRC, which libpng refuses and ImageIO may not) is an exception with libpng's message;
     * the caller then lets ImageIO decide.
     */
    byte[] decode(byte[] png, int width, int height, int format) throws PngException {
        int channels = switch (format) {
            case FORMAT_GRAY -> 1;
            case FORMAT_GA -> 2;
            case FORMAT_RGB -> 3;
            default -> 4;
        };
        long size = Math.multiplyExact(Math.multiplyExact((long) width, height), channels);
        if (size > Integer.MAX_VALUE - 16) throw new PngException("too large for one array: " + size + " bytes");
        try (Memory image = new Memory(IMAGE_SIZE); Memory encoded = new Memory(png.length)) {
            image.clear();
            image.setInt(VERSION, 1);
            // libpng keeps a pointer to the encoded bytes until finish_read: native memory, not a JNA array copy.
            encoded.write(0, png, 0, png.length);
            try {
                if (api.png_image_begin_read_from_memory(image, encoded, png.length) == 0) {
                    throw new PngException(message(image));
                }
                image.setInt(FORMAT, format);
                try (Memory dst = new Memory(size)) {
                    if (api.png_image_finish_read(image, null, dst, 0, null) == 0) {
                        throw new PngException(message(image));
                    }
                    return dst.getByteArray(0, (int) size);
                }
            } finally {
                api.png_image_free(image);
            }
        }
    }

    private static String message(Memory image) {
        return image.getString(MESSAGE, StandardCharsets.ISO_8859_1.name());
    }

    private static long u32(byte[] b, int at) {
        return ((long) (b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8)
                | (b[at + 3] & 0xff);
    }

    static final class PngException extends Exception {
        PngException(String message) {
            super(message);
        }
    }
}
