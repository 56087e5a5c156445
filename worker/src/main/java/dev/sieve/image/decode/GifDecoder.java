package dev.sieve.image.decode;

import static dev.sieve.image.decode.RasterBytes.fail;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import java.util.Arrays;

/**
 * A GIF's first frame as Pillow 9.4's GifImagePlugin opens and loads it, damaged files included.
 *
 * <p>Opening ({@code _open} and {@code _seek(0)}): blocks are read up to the first image descriptor; a byte that
 * starts no block is skipped; an extension's sub-blocks are skipped to a zero length (after its first one has been
 * read, even when that first one was the zero length); a graphic control extension sets the transparent index. What
 * ends or breaks the file before the descriptor, its colour table and its code-size byte are read is "cannot identify
 * image file" (NOT_AN_IMAGE), as are the faults Pillow's parser trips over on the way (a graphic control block under
 * three bytes, or under four with the transparency flag; an application extension, or NETSCAPE2.0's second block,
 * that is a zero length). The image is the logical screen grown to hold the frame, and its size is checked for a
 * decompression bomb where Pillow checks it: as soon as the frame grows the screen (TOO_MANY_PIXELS even when the
 * file ends right after the descriptor), else after opening.
 *
 * <p>Loading ({@code ImageFile.load}): the screen is filled with index 0, or with the frame's transparent index; the
 * bytes after the code-size byte go to {@link GifLzw} in Pillow's 64 KiB reads. The frame decodes when its last
 * pixel is written; data that runs out first is "image file is truncated" and a decoder error (a code past the
 * table, a code size over 12) is "broken data stream" or "codec configuration error", all CORRUPT_IMAGE, as is an
 * empty frame ("tile cannot extend outside image"). A frame at 0, 0 whose width is 0 is decoded over the whole
 * screen, as Pillow's decoder takes an extent of (0, 0, 0, y1) for "the whole image".
 *
 * <p>Mode: "P" when the frame's colour table (local, else global) is not the grey ramp 0, 1, 2, ... (Pillow's
 * "palette not needed"), else "L". A ramp local table over a global one that is not a ramp leaves Pillow's image
 * half-converted (mode "L", pixels "P" through the global table, which is what its {@code convert("RGB")} gives):
 * that is decoded here as "P".
 */
final class GifDecoder implements RasterDecoder {
    /** Pillow's ImageFile.MAXBLOCK: how much {@code load} reads at a time, which decides when a stall is final. */
    private static final int READ_BLOCK = 65536;

    private final long maxPixels;

    /** @param maxPixels the decompression-bomb limit, checked here when the frame grows the screen */
    GifDecoder(long maxPixels) {
        this.maxPixels = maxPixels;
    }

    @Override
    public Header open(byte[] b) throws StageException {
        Cursor in = new Cursor(b);
        byte[] screen = in.read(13);
        if (screen.length < 13) throw notIdentified("header of " + b.length + " bytes");
        int width = u16(screen, 6);
        int height = u16(screen, 8);
        int flags = screen[10] & 0xff;
        int[] global = null;
        if ((flags & 0x80) != 0) {
            global = colourTable(in, flags, "global");
        }
        int transparency = -1;
        for (int at = in.read1();; at = in.read1()) {
            if (at < 0 || at == ';') throw notIdentified("no image before the trailer");
            if (at == '!') {
                int label = in.read1();
                if (label < 0) throw notIdentified("extension without a label");
                byte[] block = in.subBlock();
                if (label == 0xf9) {
                    if (block == null || block.length < 3 || (block[0] & 1) != 0 && block.length < 4) {
                        throw notIdentified("graphic control extension of " + (block == null ? 0 : block.length)
                                + " bytes");
                    }
                    if ((block[0] & 1) != 0) transparency = block[3] & 0xff;
                } else if (label == 0xfe) {
                    while (block != null && block.length > 0) block = in.subBlock();
                    continue;
                } else if (label == 0xff) {
                    if (block == null) throw notIdentified("application extension without data");
                    if (startsWith(block, "NETSCAPE2.0") && in.subBlock() == null) {
                        throw notIdentified("NETSCAPE2.0 extension without its loop block");
                    }
                }
                for (byte[] more = in.subBlock(); more != null && more.length > 0; more = in.subBlock()) {
                    // skipped, as Pillow skips them
                }
            } else if (at == ',') {
                byte[] d = in.read(9);
                if (d.length < 9) throw notIdentified("image descriptor cut short");
                int x0 = u16(d, 0);
                int y0 = u16(d, 2);
                int x1 = x0 + u16(d, 4);
                int y1 = y0 + u16(d, 6);
                if (x1 > width || y1 > height) {
                    width = Math.max(width, x1);
                    height = Math.max(height, y1);
                    checkBomb(width, height);
                }
                int frameFlags = d[8] & 0xff;
                boolean interlaced = (frameFlags & 0x40) != 0;
                int[] palette = global;
                boolean localRamp = false;
                if ((frameFlags & 0x80) != 0) {
                    palette = colourTable(in, frameFlags, "local");
                    localRamp = palette == null;
                }
                int bits = in.read1();
                if (bits < 0) throw notIdentified("no LZW code size");
                // A ramp local table makes the frame "L"; Pillow still puts the global table on the image, which then
                // converts through it.
                int[] colours = localRamp ? global : palette;
                Frame frame = new Frame(width, height, x0, y0, x1, y1, interlaced, bits, in.position(),
                        Math.max(transparency, 0), colours);
                // Half-converted: Image.resize goes by the Python mode "L", which the core's "P" has no resampler
                // for, so the reference refuses one that takes the 1536 step.
                String resizeRefusal = localRamp && global != null ? "ValueError: image has wrong mode" : null;
                return Header.of(width, height, resizeRefusal, () -> frame.load(b));
            }
            // any other byte starts no block: Pillow reads past it
        }
    }

    private void checkBomb(long width, long height) throws StageException {
        long pixels = Math.max(1, width) * Math.max(1, height);
        if (pixels > maxPixels) {
            throw fail(FailureCode.TOO_MANY_PIXELS, "GIF frame grows the screen to " + width + "x" + height + " = "
                    + pixels + " pixels, over the limit of " + maxPixels + " (maxPixels)");
        }
    }

    /**
     * A colour table of 2^(bits+1) entries as 0xRRGGBB over Pillow's ramp, or null when it is the ramp 0, 1, 2, ...
     * (Pillow's "palette not needed"). A table cut by the end of the file leaves no code-size byte, and Pillow does
     * not identify the file.
     */
    private static int[] colourTable(Cursor in, int flags, String which) throws StageException {
        int entries = 2 << (flags & 7);
        byte[] t = in.read(3 * entries);
        if (t.length < 3 * entries) throw notIdentified(which + " colour table cut short");
        int[] palette = RasterBytes.rampPalette();
        boolean needed = false;
        for (int i = 0; i < entries; i++) {
            int r = t[3 * i] & 0xff;
            int g = t[3 * i + 1] & 0xff;
            int bl = t[3 * i + 2] & 0xff;
            needed |= r != i || g != i || bl != i;
            palette[i] = r << 16 | g << 8 | bl;
        }
        return needed ? palette : null;
    }

    /** The first frame on its screen, and where its image data starts. */
    private record Frame(int width, int height, int x0, int y0, int x1, int y1, boolean interlaced, int bits,
            int dataAt, int fillIndex, int[] palette) {

        Pixels load(byte[] b) throws StageException {
            int xoff = x0;
            int yoff = y0;
            int xsize = x1 - x0;
            int ysize = y1 - y0;
            if (x0 == 0 && x1 == 0) {
                xoff = 0;
                yoff = 0;
                xsize = width;
                ysize = height;
            }
            if (xsize <= 0 || ysize <= 0) {
                throw fail(FailureCode.CORRUPT_IMAGE, "tile cannot extend outside image (GIF frame of " + xsize + "x"
                        + ysize + ")");
            }
            byte[] indices = new byte[Math.multiplyExact(width, height)];
            if (fillIndex != 0) Arrays.fill(indices, (byte) fillIndex);
            GifLzw lzw = new GifLzw(bits, interlaced, indices, width, xoff, yoff, xsize, ysize);
            int start = dataAt;
            int read = dataAt;
            for (;;) {
                if (read >= b.length) {
                    throw fail(FailureCode.CORRUPT_IMAGE, "image file is truncated (" + (read - start)
                            + " bytes not processed; GIF image data ends before the frame is complete)");
                }
                read = (int) Math.min(b.length, (long) read + READ_BLOCK);
                int n = lzw.decode(b, start, read - start);
                if (n < 0) break;
                start += n;
            }
            switch (lzw.errcode()) {
                case GifLzw.DONE -> { }
                case GifLzw.BROKEN -> throw fail(FailureCode.CORRUPT_IMAGE,
                        "broken data stream when reading image file (GIF LZW code past the table)");
                case GifLzw.CONFIG -> throw fail(FailureCode.CORRUPT_IMAGE,
                        "codec configuration error when reading image file (GIF LZW code size " + bits + ")");
                default -> throw fail(FailureCode.CORRUPT_IMAGE,
                        "buffer overrun when reading image file (GIF decoder error " + lzw.errcode() + ")");
            }
            if (palette == null) return new Pixels(width, height, PillowMode.L, indices);
            return new Pixels(width, height, PillowMode.P, RasterBytes.lookUp(indices, palette));
        }
    }

    private static StageException notIdentified(String why) {
        return fail(FailureCode.NOT_AN_IMAGE, "cannot identify image file (GIF: " + why + ")");
    }

    private static boolean startsWith(byte[] b, String prefix) {
        if (b.length < prefix.length()) return false;
        for (int i = 0; i < prefix.length(); i++) if (b[i] != prefix.charAt(i)) return false;
        return true;
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    /** Python's file reads over the bytes: a read past the end returns what there is. */
    private static final class Cursor {
        private final byte[] b;
        private int at;

        Cursor(byte[] b) {
            this.b = b;
        }

        int position() {
            return at;
        }

        /** The next byte, -1 at the end. */
        int read1() {
            return at < b.length ? b[at++] & 0xff : -1;
        }

        byte[] read(int n) {
            int end = (int) Math.min(b.length, (long) at + n);
            byte[] out = Arrays.copyOfRange(b, at, end);
            at = end;
            return out;
        }

        /**
         * Pillow's {@code data()}: null for a zero length (or the end of the file), else the sub-block, short (even
         * empty) when the file ends inside it.
         */
        byte[] subBlock() {
            int n = read1();
            return n <= 0 ? null : read(n);
        }
    }
}
