package dev.sieve.image.decode;

import dev.sieve.image.PillowMode;
import dev.sieve.image.PixelBudget;
import dev.sieve.image.Pixels;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decodes the common PNGs itself, the way Pillow's PngImagePlugin does (inflate the concatenated IDAT data, undo each
 * row's filter, keep the stored samples: no gamma, no transparency applied): non-interlaced, 8 bits per sample, grey,
 * RGB, grey+alpha or RGBA, which become "L", "RGB", "LA" and "RGBA" as in Pillow. ImageIO's reader spends most of its
 * time inflating in small steps and copying; here the inflate is one call, to libdeflate when it is installed (about
 * twice as fast as zlib), else {@link Inflater}. Every other PNG, and any file this path finds broken, is left to
 * ImageIO ({@link #decode} returns null), which then decodes or refuses it as before.
 */
final class PngDecoder {
    private final LibDeflate libDeflate;

    /** @param libDeflate null: inflate with java.util.zip */
    PngDecoder(LibDeflate libDeflate) {
        this.libDeflate = libDeflate;
    }

    boolean usesLibDeflate() {
        return libDeflate != null;
    }

    /** The mode this decoder decodes the PNG to, or null when the PNG is ImageIO's (see the class comment). */
    static PillowMode mode(byte[] png, ImageDecoder.PngHeader header) {
        // IHDR data at 16: width, height, bit depth, colour type, compression, filter, interlace.
        if (header.bitDepth() != 8 || png[26] != 0 || png[27] != 0 || png[28] != 0) return null;
        return switch (header.colourType()) {
            case 0 -> PillowMode.L;
            case 2 -> PillowMode.RGB;
            case 4 -> PillowMode.LA;
            case 6 -> PillowMode.RGBA;
            default -> null;
        };
    }

    /**
     * Heap bytes a decode holds beyond the result, in pixels of 4 bytes (the {@link PixelBudget}'s unit): none with
     * libdeflate (its buffers are native and reused); with java.util.zip, the inflated rows and the IDAT data.
     */
    long extraPixels(byte[] png, ImageDecoder.PngHeader header) {
        if (libDeflate != null) return 0;
        return header.width() * header.height() * mode(png, header).channels() / 4 + png.length / 4;
    }

    /** Pixels in Pillow's mode, or null when this PNG is ImageIO's to decode. The size has been checked. */
    Pixels decode(byte[] png, ImageDecoder.PngHeader header) {
        PillowMode mode = mode(png, header);
        if (mode == null) return null;
        int w = (int) header.width();
        int h = (int) header.height();
        int c = mode.channels();
        long stride = (long) w * c;
        long rawSize = (stride + 1) * h;
        if (stride * h > Integer.MAX_VALUE - 16) return null;
        long idatLength = idatLength(png);
        if (idatLength <= 0) return null;
        byte[] out = new byte[(int) (stride * h)];
        try {
            if (libDeflate != null) {
                try (ScratchMemory.Lease in = ScratchMemory.COMPRESSED.lease(idatLength);
                     ScratchMemory.Lease raw = ScratchMemory.DECODED.lease(rawSize)) {
                    long to = 0;
                    for (int at = 8; to < idatLength; at += 12 + (int) u32(png, at)) {
                        if (isType(png, at + 4, "IDAT")) {
                            int length = (int) u32(png, at);
                            in.memory().write(to, png, at + 8, length);
                            to += length;
                        }
                    }
                    libDeflate.inflate(in.memory(), idatLength, raw.memory(), rawSize);
                    for (int y = 0; y < h; y++) {
                        long at = y * (stride + 1);
                        raw.memory().read(at + 1, out, (int) (y * stride), (int) stride);
                        if (!unfilter(raw.memory().getByte(at), out, (int) (y * stride), (int) stride, c)) return null;
                    }
                }
            } else {
                if (rawSize > Integer.MAX_VALUE - 16) return null;
                byte[] raw = new byte[(int) rawSize];
                Inflater inflater = new Inflater();
                try {
                    inflater.setInput(idat(png, (int) idatLength));
                    int n = 0;
                    while (n < raw.length && !inflater.finished() && !inflater.needsInput()) {
                        n += inflater.inflate(raw, n, raw.length - n);
                    }
                    // The whole stream, checksum included, and exactly the expected bytes.
                    if (n != raw.length || !inflater.finished() && inflater.inflate(new byte[1]) != 0 || !inflater.finished()) {
                        return null;
                    }
                } finally {
                    inflater.end();
                }
                for (int y = 0; y < h; y++) {
                    int at = (int) (y * (stride + 1));
                    System.arraycopy(raw, at + 1, out, (int) (y * stride), (int) stride);
                    if (!unfilter(raw[at], out, (int) (y * stride), (int) stride, c)) return null;
                }
            }
        } catch (DataFormatException e) {
            return null;
        }
        return new Pixels(w, h, mode, out);
    }

    /**
     * The IDAT chunks' total length, walking the chunks up to IEND; -1 when a chunk runs past the end of the file or
     * there is no IEND (a truncated file, which ImageIO then refuses).
     */
    static long idatLength(byte[] png) {
        long total = 0;
        int at = 8;
        while (at + 8 <= png.length) {
            long length = u32(png, at);
            if (length > png.length - at - 12L) return -1;
            if (isType(png, at + 4, "IDAT")) total += length;
            if (isType(png, at + 4, "IEND")) return total;
            at += 12 + (int) length;
        }
        return -1;
    }

    /** The IDAT chunks' data, concatenated ({@code total} bytes, from {@link #idatLength}). */
    static byte[] idat(byte[] png, int total) {
        byte[] out = new byte[total];
        int to = 0;
        for (int at = 8; to < total; at += 12 + (int) u32(png, at)) {
            if (isType(png, at + 4, "IDAT")) {
                int length = (int) u32(png, at);
                System.arraycopy(png, at + 8, out, to, length);
                to += length;
            }
        }
        return out;
    }

    /**
     * Undoes one row's filter in place (row at {@code off}, the previous row just before it, already undone), PNG
     * section 9. False for an unknown filter type.
     */
    static boolean unfilter(byte type, byte[] b, int off, int len, int bpp) {
        boolean first = off == 0;
        int up = off - len;
        switch (type) {
            case 0 -> {
            }
            case 1 -> {
                for (int i = off + bpp, end = off + len; i < end; i++) b[i] += b[i - bpp];
            }
            case 2 -> {
                if (!first) {
                    for (int i = 0; i < len; i++) b[off + i] += b[up + i];
                }
            }
            case 3 -> {
                for (int i = 0; i < bpp; i++) {
                    b[off + i] += (byte) ((first ? 0 : b[up + i] & 0xff) >>> 1);
                }
                for (int i = bpp; i < len; i++) {
                    int above = first ? 0 : b[up + i] & 0xff;
                    b[off + i] += (byte) (((b[off + i - bpp] & 0xff) + above) >>> 1);
                }
            }
            case 4 -> {
                if (first) {
                    // No row above: Paeth picks the left neighbour, as Sub does.
                    for (int i = off + bpp, end = off + len; i < end; i++) b[i] += b[i - bpp];
                } else {
                    for (int i = 0; i < bpp; i++) b[off + i] += b[up + i];
                    for (int i = bpp; i < len; i++) {
                        int a = b[off + i - bpp] & 0xff;
                        int u = b[up + i] & 0xff;
                        int d = b[up + i - bpp] & 0xff;
                        int pa = Math.abs(u - d);
                        int pb = Math.abs(a - d);
                        int pc = Math.abs(a + u - 2 * d);
                        int pred = pa <= pb && pa <= pc ? a : pb <= pc ? u : d;
                        b[off + i] += (byte) pred;
                    }
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private static boolean isType(byte[] b, int at, String type) {
        return b[at] == type.charAt(0) && b[at + 1] == type.charAt(1) && b[at + 2] == type.charAt(2)
                && b[at + 3] == type.charAt(3);
    }

    private static long u32(byte[] b, int at) {
        return ((long) (b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8)
                | (b[at + 3] & 0xff);
    }
}
