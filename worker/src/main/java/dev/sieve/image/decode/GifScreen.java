package dev.sieve.image.decode;

import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;

/**
 * What Pillow 9.4's GifImagePlugin makes of a GIF's first frame beyond its pixels: the image is the logical screen
 * (grown to hold the frame when the frame reaches past it), which is the size its decompression-bomb check sees;
 * outside the frame the screen holds index 0, or the frame's transparent index; the mode is "L" when the frame's
 * colour table is the grey ramp 0, 1, 2, ... (or there is none), else "P". ImageIO returns the frame alone.
 *
 * @param width        the logical screen's width, grown to the frame's right edge
 * @param height       likewise
 * @param left         the frame's position on the screen
 * @param top          likewise
 * @param fillIndex    the index outside the frame
 * @param palette      the frame's colour table (local, else global) as 0xRRGGBB, entries past it on Pillow's ramp;
 *                     null for "L"
 * @param truncated    the frame's data runs past the end of the file
 */
record GifScreen(int width, int height, int left, int top, int fillIndex, int[] palette, boolean truncated) {

    /**
     * Null when the bytes end before the first image descriptor, its colour table and its code size: Pillow's
     * {@code _open} then fails (EOFError, IndexError, struct.error) and the file is not identified.
     */
    static GifScreen read(byte[] b) {
        if (b.length < 13) return null;
        int screenW = u16(b, 6);
        int screenH = u16(b, 8);
        int flags = b[10] & 0xff;
        int at = 13;
        int[] global = null;
        if ((flags & 0x80) != 0) {
            int size = 3 << ((flags & 7) + 1);
            if (at + size > b.length) return null;
            global = paletteOrNull(b, at, size);
            at += size;
        }
        int transparency = -1;
        while (at < b.length) {
            int c = b[at++] & 0xff;
            if (c == ';') return null;
            if (c == '!') {
                if (at >= b.length) return null;
                int label = b[at++] & 0xff;
                boolean first = true;
                while (at < b.length && (b[at] & 0xff) != 0) {
                    int n = b[at] & 0xff;
                    if (label == 0xf9 && first && n >= 4 && at + 4 < b.length && (b[at + 1] & 1) != 0) {
                        transparency = b[at + 4] & 0xff;
                    }
                    first = false;
                    at += 1 + n;
                }
                at++;
            } else if (c == ',') {
                if (at + 9 > b.length) return null;
                int x0 = u16(b, at);
                int y0 = u16(b, at + 2);
                int frameFlags = b[at + 8] & 0xff;
                int[] palette = global;
                int data = at + 9;
                if ((frameFlags & 0x80) != 0) {
                    int size = 3 << ((frameFlags & 7) + 1);
                    if (at + 9 + size > b.length) return null;
                    palette = paletteOrNull(b, at + 9, size);
                    data += size;
                }
                if (data >= b.length) return null;
                return new GifScreen(Math.max(screenW, x0 + u16(b, at + 4)), Math.max(screenH, y0 + u16(b, at + 6)),
                        x0, y0, Math.max(transparency, 0), palette, !subBlocksEnd(b, data + 1));
            }
        }
        return null;
    }

    /**
     * Whether the frame's data sub-blocks end (a zero length) inside the file. ImageIO fills a frame whose data stops
     * early; Pillow's loader raises "image file is truncated" when the data ends before the frame is decoded, which
     * a chain cut by the end of the file means.
     */
    private static boolean subBlocksEnd(byte[] b, int at) {
        while (at < b.length) {
            int n = b[at] & 0xff;
            if (n == 0) return true;
            at += 1 + n;
        }
        return false;
    }

    /** Null when the table is Pillow's "palette not needed" case: entry i is (i, i, i) throughout. */
    private static int[] paletteOrNull(byte[] b, int at, int size) {
        int[] palette = RasterBytes.rampPalette();
        boolean needed = false;
        for (int i = 0; i < size / 3; i++) {
            int r = b[at + 3 * i] & 0xff;
            int g = b[at + 3 * i + 1] & 0xff;
            int bl = b[at + 3 * i + 2] & 0xff;
            needed |= !(r == i && g == i && bl == i);
            if (i < 256) palette[i] = r << 16 | g << 8 | bl;
        }
        return needed ? palette : null;
    }

    /** The frame ImageIO decoded ("P", looked up) on the screen, in Pillow's mode. */
    Pixels place(Pixels frame) {
        PillowMode mode = palette == null ? PillowMode.L : PillowMode.P;
        if (frame.width() == width && frame.height() == height && mode == frame.mode()) return frame;
        int c = mode.channels();
        int fill = palette == null ? fillIndex * 0x010101 : palette[fillIndex];
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(width, height), c)];
        for (int i = 0; i < out.length; i += c) {
            out[i] = (byte) (fill >> 16);
            if (c == 3) {
                out[i + 1] = (byte) (fill >> 8);
                out[i + 2] = (byte) fill;
            }
        }
        int fc = frame.mode().channels();
        byte[] d = frame.data();
        for (int y = 0; y < frame.height(); y++) {
            for (int x = 0; x < frame.width(); x++) {
                int o = ((top + y) * width + left + x) * c;
                int s = (y * frame.width() + x) * fc;
                for (int ch = 0; ch < c; ch++) out[o + ch] = d[s + ch];
            }
        }
        return new Pixels(width, height, mode, out);
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }
}
