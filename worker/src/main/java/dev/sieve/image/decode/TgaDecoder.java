package dev.sieve.image.decode;

import static dev.sieve.image.decode.RasterBytes.fail;
import static dev.sieve.image.decode.RasterBytes.need;
import static dev.sieve.image.decode.RasterBytes.u16le;
import static dev.sieve.image.decode.RasterBytes.u8;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;

/**
 * Targa as Pillow 9.4's TgaImagePlugin reads it: colour-mapped ("P", colour map of 16 or 24 bits; a 32-bit map is
 * refused as Pillow's palette loader refuses it), true colour 16 (5-5-5), 24 ("RGB") and 32 bits ("RGBA"), grey 8
 * ("L") and 16 bits ("LA"; "PA" with a colour map, which the reference cannot put through the 1536 step) and 1 bit
 * ("1"), each uncompressed or RLE (Pillow's TgaRleDecode: a run may not cross a
 * row, a literal may); rows bottom-up unless the header says top-down, mirrored when it says right-to-left.
 *
 * <p>TGA has no signature: {@link #looksLikeTga} applies Pillow's header checks, which is how Pillow comes to open a
 * file as TGA when no other plugin claimed it.
 */
final class TgaDecoder implements RasterDecoder {

    /** Pillow's {@code _open} checks: a file passing them is opened as TGA. */
    static boolean looksLikeTga(byte[] b) {
        if (b.length < 18) return false;
        int colorMapType = b[1] & 0xff;
        int imageType = b[2] & 0xff;
        int depth = b[16] & 0xff;
        int w = (b[12] & 0xff) | (b[13] & 0xff) << 8;
        int h = (b[14] & 0xff) | (b[15] & 0xff) << 8;
        return colorMapType <= 1 && w > 0 && h > 0 && (depth == 1 || depth == 8 || depth == 16 || depth == 24
                || depth == 32) && switch (imageType) {
                    case 1, 2, 3, 9, 10, 11 -> true;
                    default -> false;
                };
    }

    @Override
    public Header open(byte[] b) throws StageException {
        if (!looksLikeTga(b)) throw fail(FailureCode.NOT_AN_IMAGE, "cannot identify image file (not a TGA header)");
        int idLength = u8(b, 0);
        int colorMapType = u8(b, 1);
        int imageType = u8(b, 2);
        int depth = u8(b, 16);
        int flags = u8(b, 17);
        int w = u16le(b, 12);
        int h = u16le(b, 14);
        boolean topDown = (flags & 0x20) != 0;
        boolean mirrored = (flags & 0x10) != 0;
        int base = imageType & 7;
        PillowMode mode = switch (base) {
            case 3 -> depth == 1 ? PillowMode.BILEVEL : depth == 16 ? PillowMode.LA : PillowMode.L;
            case 1 -> PillowMode.P;
            default -> depth == 32 ? PillowMode.RGBA : PillowMode.RGB;
        };
        long pos = 18 + idLength;
        int[] palette = null;
        boolean colourMapped = false; // a grey image given a palette: Python mode and core mode part
        String loadError = null; // what Pillow raises only when it loads the pixels, after its size check
        if (colorMapType == 1) {
            int first = u16le(b, 3);
            int length = u16le(b, 5);
            int mapDepth = u8(b, 7);
            if (mapDepth == 16 || mapDepth == 24 || mapDepth == 32) {
                int entry = mapDepth / 8;
                long read = Math.max(0, Math.min((long) entry * length, b.length - pos));
                long entries = first + read / entry;
                if (mapDepth == 32) {
                    loadError = "unrecognized raw mode (32-bit TGA colour map)";
                } else if (entries > 256) {
                    loadError = "invalid palette size (" + entries + ")";
                } else if (mode != PillowMode.P && mode != PillowMode.L && mode != PillowMode.LA) {
                    loadError = "a colour map on a " + mode + " TGA (Pillow: wrong mode)";
                } else {
                    palette = RasterBytes.rampPalette();
                    for (int i = 0; i < entries; i++) palette[i] = 0; // Pillow pads the map's start with zero bytes
                    for (int i = 0; i < read / entry; i++) {
                        palette[first + i] = colour(b, (int) (pos + (long) i * entry), mapDepth);
                    }
                    // Pillow's putpalette makes the core image "P" ("PA" from "LA"); its Python mode stays "L" / "LA".
                    colourMapped = base == 3;
                    mode = mode == PillowMode.LA ? PillowMode.PA : PillowMode.P;
                }
                pos += read;
            }
        }
        int bits = switch (mode) {
            case BILEVEL -> 1;
            case P, L -> 8;
            default -> depth;
        };
        if (bits != depth || base == 1 && depth != 8 || base == 2 && depth < 16) {
            loadError = "cannot load this image (TGA type " + imageType + ", depth " + depth + ")";
        }
        String refusal = loadError;
        PillowMode finalMode = mode;
        int[] finalPalette = palette != null ? palette : RasterBytes.rampPalette();
        long dataAt = pos;
        // Image.resize goes by the Python mode: "LA" is converted to "La" first, which the core's "PA" cannot do;
        // "L" is resampled, which the core's "P" has no resampler for.
        String resizeRefusal = colourMapped && mode == PillowMode.PA
                ? "ValueError: conversion from L to La not supported"
                : colourMapped && base == 3 ? "ValueError: image has wrong mode" : null;
        return Header.of(w, h, resizeRefusal, () -> {
            if (refusal != null) throw fail(FailureCode.CORRUPT_IMAGE, refusal);
            int rowBytes = (w * bits + 7) / 8;
            byte[] raw = (imageType & 8) != 0 ? rle(b, dataAt, rowBytes, h, (depth + 7) / 8) : raw(b, dataAt, rowBytes, h);
            return unpack(raw, w, h, rowBytes, depth, finalMode, finalPalette, topDown, mirrored);
        });
    }

    private static int colour(byte[] b, int at, int mapDepth) {
        if (mapDepth == 24) return (b[at + 2] & 0xff) << 16 | (b[at + 1] & 0xff) << 8 | (b[at] & 0xff);
        int p = (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
        return (((p >> 10) & 31) * 255 / 31) << 16 | (((p >> 5) & 31) * 255 / 31) << 8 | (p & 31) * 255 / 31;
    }

    private static byte[] raw(byte[] b, long at, int rowBytes, int h) throws StageException {
        need(b, at, (long) rowBytes * h);
        return java.util.Arrays.copyOfRange(b, (int) at, (int) (at + (long) rowBytes * h));
    }

    /** Rows in file order. */
    private static byte[] rle(byte[] b, long at, int rowBytes, int h, int depth) throws StageException {
        // A packet of 1 + depth bytes gives at most 128 pixels: the least data these rows need, before allocating.
        long packets = ((long) rowBytes * h / depth + 127) / 128;
        if (packets * (1 + depth) > b.length - at) {
            throw fail(FailureCode.CORRUPT_IMAGE, "image file is truncated (TGA RLE data too short for its size)");
        }
        byte[] out = new byte[Math.multiplyExact(rowBytes, h)];
        long total = out.length;
        long n = 0;
        long p = at;
        while (n < total) {
            if (p >= b.length) throw fail(FailureCode.CORRUPT_IMAGE, "image file is truncated (TGA RLE data)");
            int head = b[(int) p] & 0xff;
            int count = depth * ((head & 0x7f) + 1);
            if ((head & 0x80) != 0) {
                need(b, p + 1, depth);
                if (n % rowBytes + count > rowBytes) {
                    throw fail(FailureCode.CORRUPT_IMAGE, "buffer overrun when reading image file (TGA run past a row)");
                }
                for (int i = 0; i < count; i += depth) System.arraycopy(b, (int) p + 1, out, (int) n + i, depth);
                p += 1 + depth;
            } else {
                need(b, p + 1, count);
                int take = (int) Math.min(count, total - n);
                System.arraycopy(b, (int) p + 1, out, (int) n, take);
                p += 1 + count;
            }
            n += count;
        }
        return out;
    }

    private static Pixels unpack(byte[] raw, int w, int h, int rowBytes, int depth, PillowMode mode, int[] palette,
            boolean topDown, boolean mirrored) {
        int c = mode == PillowMode.P ? 1 : mode.channels();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), c)];
        for (int r = 0; r < h; r++) {
            int y = topDown ? r : h - 1 - r;
            int s = r * rowBytes;
            for (int x = 0; x < w; x++) {
                int o = (y * w + (mirrored ? w - 1 - x : x)) * c;
                switch (mode) {
                    case BILEVEL -> out[o] = (byte) (((raw[s + (x >> 3)] >> (7 - (x & 7))) & 1) != 0 ? 255 : 0);
                    case P, L -> out[o] = raw[s + x];
                    case LA, PA -> {
                        out[o] = raw[s + 2 * x];
                        out[o + 1] = raw[s + 2 * x + 1];
                    }
                    default -> {
                        int at = s + x * (depth / 8);
                        if (depth == 16) {
                            int px = (raw[at] & 0xff) | (raw[at + 1] & 0xff) << 8;
                            out[o] = (byte) (((px >> 10) & 31) * 255 / 31);
                            out[o + 1] = (byte) (((px >> 5) & 31) * 255 / 31);
                            out[o + 2] = (byte) ((px & 31) * 255 / 31);
                        } else {
                            out[o] = raw[at + 2];
                            out[o + 1] = raw[at + 1];
                            out[o + 2] = raw[at];
                            if (depth == 32) out[o + 3] = raw[at + 3];
                        }
                    }
                }
            }
        }
        if (mode == PillowMode.P) return new Pixels(w, h, PillowMode.P, RasterBytes.lookUp(out, palette));
        if (mode == PillowMode.PA) return new Pixels(w, h, PillowMode.PA, out, RasterBytes.paletteBytes(palette));
        return new Pixels(w, h, mode, out);
    }
}
