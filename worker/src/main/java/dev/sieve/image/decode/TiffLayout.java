package dev.sieve.image.decode;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import dev.sieve.image.PillowMode;
import java.util.Arrays;

/**
 * How Pillow 9.4's TiffImagePlugin opens a TIFF: the key it builds from the first directory (byte order,
 * photometric interpretation, sample format, fill order, bits per sample, extra samples; {@code _setup}) and the
 * mode and raw mode its {@code OPEN_INFO} table gives for it. A key missing from the table is a file Pillow cannot
 * identify; a key sieve has no conversion for is refused too, naming Pillow's mode. Both are UNSUPPORTED_FORMAT:
 * the file is a TIFF, just not one the reference scores (or one sieve cannot yet score as it does).
 */
enum TiffLayout {
    /** "1" from 1-bit grey; raw modes "1" and "1;I" (min-is-white inverted). */
    BILEVEL(PillowMode.BILEVEL),
    /** "L" from 2-, 4- or 8-bit grey ("L;2" x 85, "L;4" x 17; the ";I" raw modes inverted). */
    GREY(PillowMode.L),
    /** "LA": 8-bit grey and unassociated alpha. */
    GREY_ALPHA(PillowMode.LA),
    /** "I;16" / "I;16B": 16-bit unsigned grey, or 12-bit little-endian ("I;12", widened). */
    GREY16(PillowMode.I16),
    /** "I" from signed 16-bit ("I;16S") or 32-bit integers ("I;32N", "I;32S"). */
    INT(PillowMode.I),
    /** "F" from 32-bit IEEE floats. */
    FLOAT(PillowMode.F),
    /** "RGB" from 8- or 16-bit samples (16 bits keep the high byte), or "RGBX" (padding dropped here), or YCbCr
     * JPEG that libtiff converts to RGB. */
    RGB(PillowMode.RGB),
    /** "RGBA" with unassociated (or unspecified) alpha; 16 bits keep the high byte. */
    RGBA(PillowMode.RGBA),
    /** "RGBA" from associated (premultiplied) alpha: Pillow's "RGBa" unpackers divide it out (of the high bytes,
     * for 16 bits). */
    RGBA_PREMULTIPLIED(PillowMode.RGBA),
    /** "P": 1-, 2-, 4- or 8-bit indices into the ColorMap, whose entries Pillow keeps the high byte of. */
    PALETTE(PillowMode.P),
    /** "PA": 8-bit indices into the ColorMap and an unassociated alpha sample (extra samples 2). */
    PALETTE_ALPHA(PillowMode.PA),
    /** "LAB": 8-bit CIELab, the stored samples as they are (the JDK's reader is told they are RGB, so that it does
     * not convert them); converted to RGB by littleCMS as Pillow does. */
    LAB(PillowMode.LAB),
    /** "RGB" from YCbCr that is not JPEG-compressed, as Pillow reads it ({@link TiffYCbCr}). */
    YCBCR(PillowMode.RGB),
    /** "CMYK" from 8-bit samples (padding samples after them dropped), or 16-bit little-endian ones (high byte). */
    CMYK(PillowMode.CMYK);

    private final PillowMode mode;

    TiffLayout(PillowMode mode) {
        this.mode = mode;
    }

    PillowMode mode() {
        return mode;
    }

    /** Pillow's {@code MAX_SAMPLESPERPIXEL}: more is refused before anything is read. */
    private static final int MAX_SAMPLES_PER_PIXEL = 6;
    private static final int JPEG = 7;

    /** Pillow's mode for the directory, or a refusal; the rules of TiffImageFile._setup in Pillow 9.4. */
    static TiffLayout of(TiffDirectory d) throws StageException {
        int photo = d.photometric();
        int[] format = d.sampleFormat();
        if (format.length > 1 && Arrays.stream(format).allMatch(f -> f == 1)) format = new int[] {1};
        int[] bits = d.bitsPerSample();
        int spp = d.samplesPerPixel() != null ? d.samplesPerPixel()
                : d.compression() == JPEG && (photo == 2 || photo == 6) ? 3 : 1;
        if (spp > MAX_SAMPLES_PER_PIXEL) {
            throw refused("Invalid value for samples per pixel (" + spp + ")");
        }
        if (spp < bits.length) {
            bits = Arrays.copyOf(bits, spp);
        } else if (spp > bits.length && bits.length == 1) {
            int[] same = new int[spp];
            Arrays.fill(same, bits[0]);
            bits = same;
        }
        if (bits.length != spp) throw refused("unknown data organization");
        TiffLayout layout = lookUp(d.bigEndian(), photo, format, d.fillOrder(), bits, d.extraSamples(),
                d.compression());
        if (layout == null) {
            throw refused("unknown pixel mode for photometric " + photo + ", sample format "
                    + Arrays.toString(format) + ", fill order " + d.fillOrder() + ", bits " + Arrays.toString(bits)
                    + ", extra samples " + Arrays.toString(d.extraSamples()) + " (Pillow 9.4 cannot identify it,"
                    + " or sieve does not decode that layout)");
        }
        if ((layout == PALETTE || layout == PALETTE_ALPHA) && (d.colorMap() == null || d.colorMap().length < 3 << bits[0])) {
            throw new StageException(Stage.DECODE, FailureCode.CORRUPT_IMAGE, "palette TIFF whose ColorMap has "
                    + (d.colorMap() == null ? 0 : d.colorMap().length) + " entries, not 3 x 2^" + bits[0]);
        }
        return layout;
    }

    /**
     * The part of OPEN_INFO sieve decodes. Fill order 2 opens only where the table lists it (grey, "1", I;16
     * little-endian, 8-bit RGB, palette); uncompressed, Pillow then needs a ";R" raw mode, which Unpack.c lacks for
     * 1-, 2- and 4-bit palettes and 8-bit min-is-white grey ("unknown raw mode"); compressed, libtiff reverses the
     * bits itself and the fill order 1 entry applies.
     */
    private static TiffLayout lookUp(boolean big, int photo, int[] format, int fillOrder, int[] bits, int[] extra,
                                     int compression) throws StageException {
        if (format.length != 1) return null;
        if (fillOrder == 2) {
            if (!listedWithFillOrder2(big, photo, format[0], bits, extra)) return null;
            if (compression == 1 && (photo == 3 && bits[0] < 8 || photo == 0 && bits[0] == 8)) {
                throw refused("fill order 2 on an uncompressed " + (photo == 3 ? bits[0] + "-bit palette"
                        : "8-bit min-is-white") + " image: Pillow 9.4 has no raw mode for it (\"unknown raw mode\")");
            }
        } else if (fillOrder != 1) {
            return null;
        }
        int f = format[0];
        int n = bits.length;
        boolean all8 = Arrays.stream(bits).allMatch(b -> b == 8);
        boolean all16 = Arrays.stream(bits).allMatch(b -> b == 16);
        int extra0 = extra.length >= 1 ? extra[0] : -1;
        boolean restPadding = extra.length <= 1 || Arrays.stream(extra, 1, extra.length).allMatch(e -> e == 0);
        if ((photo == 0 || photo == 1) && n == 1 && extra.length == 0) {
            int b = bits[0];
            if (f == 1 && b == 1) return BILEVEL;
            if (f == 1 && (b == 2 || b == 4 || b == 8)) return GREY;
            // 12-bit grey: Pillow's "I;12" unpacker widens it to I;16, little-endian files only.
            if (photo == 1 && f == 1 && b == 12 && !big) return GREY16;
            if (f == 1 && b == 16 && (photo == 1 || !big)) return GREY16;
            if (photo == 1 && f == 2 && (b == 16 || b == 32)) return INT;
            if (photo == 1 && f == 1 && b == 32 && !big) return INT;
            if (f == 3 && b == 32) return FLOAT;
            return null;
        }
        if (photo == 1 && f == 1 && n == 2 && all8 && extra0 == 2) return GREY_ALPHA;
        if (photo == 2 && f == 1) {
            if (n == 3 && extra.length == 0 && (all8 || all16)) return RGB;
            if (n == 4 && extra.length <= 1 && (all8 || all16)) {
                if (extra.length == 0 || extra0 == 2 || (extra0 == 999 && all8)) return RGBA;
                if (extra0 == 0) return RGB;
                if (extra0 == 1) return RGBA_PREMULTIPLIED;
            }
            // RGBXX, RGBXXX, RGBaX, RGBaXX, RGBAX, RGBAXX: 8 bits, the samples after the fourth are padding.
            if ((n == 5 || n == 6) && all8 && extra.length == n - 3 && restPadding) {
                if (extra0 == 0) return RGB;
                if (extra0 == 1) return RGBA_PREMULTIPLIED;
                if (extra0 == 2) return RGBA;
            }
            return null;
        }
        if (photo == 3 && f == 1 && n == 1 && extra.length == 0 && (bits[0] == 1 || bits[0] == 2 || bits[0] == 4
                || bits[0] == 8)) {
            return PALETTE;
        }
        if (photo == 3 && f == 1 && n == 2 && all8 && extra.length == 1 && extra0 == 2) return PALETTE_ALPHA;
        if (photo == 5 && f == 1 && n == 4 && extra.length == 0 && (all8 || all16 && !big)) return CMYK;
        // CMYKX, CMYKXX
        if (photo == 5 && f == 1 && (n == 5 || n == 6) && all8 && extra.length == n - 4
                && Arrays.stream(extra).allMatch(e -> e == 0)) {
            return CMYK;
        }
        if (photo == 8 && f == 1 && n == 3 && all8 && extra.length == 0) {
            if (dev.sieve.image.LibLcms.load().isEmpty()) {
                throw refused("CIELab: Pillow converts it to RGB through littleCMS, and liblcms2 is not installed");
            }
            return LAB;
        }
        // YCbCr: Pillow has libtiff convert JPEG-compressed data to RGB; other YCbCr has its own path (TiffYCbCr).
        if (photo == 6 && f == 1 && n == 3 && all8 && extra.length == 0) return compression == JPEG ? RGB : YCBCR;
        return null;
    }

    /** OPEN_INFO's keys with fill order 2. */
    private static boolean listedWithFillOrder2(boolean big, int photo, int f, int[] bits, int[] extra) {
        if (f != 1 || extra.length != 0) return false;
        int n = bits.length;
        int b = bits[0];
        if ((photo == 0 || photo == 1 || photo == 3) && n == 1 && (b == 1 || b == 2 || b == 4 || b == 8)) return true;
        if (photo == 1 && n == 1 && b == 16 && !big) return true;
        return photo == 2 && n == 3 && Arrays.stream(bits).allMatch(x -> x == 8);
    }

    private static StageException refused(String why) {
        return new StageException(Stage.DECODE, FailureCode.UNSUPPORTED_FORMAT,
                "TIFF refused as Pillow 9.4 refuses it or sieve cannot decode it as Pillow does: " + why);
    }
}
