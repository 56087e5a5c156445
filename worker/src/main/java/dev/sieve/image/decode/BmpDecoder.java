package dev.sieve.image.decode;

import static dev.sieve.image.decode.RasterBytes.fail;
import static dev.sieve.image.decode.RasterBytes.need;
import static dev.sieve.image.decode.RasterBytes.u16le;
import static dev.sieve.image.decode.RasterBytes.u32le;
import static dev.sieve.image.decode.RasterBytes.u8;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;

/**
 * BMP as Pillow 9.4's BmpImagePlugin reads it: OS/2 v1 and Windows v3–v5 headers; 1/4/8-bit palettes ("P", or "1"
 * and "L" when the palette is exactly black/white or the grey ramp), RLE8 and RLE4 (with Pillow's own readings of a
 * delta and an odd absolute run), 16-bit 5-5-5 and 5-6-5, 24-bit, 32-bit without alpha unless the bitfields name an
 * alpha mask (then "RGBA"). What Pillow refuses as unsupported (other depths, bitfield layouts, compressions, header
 * sizes) is UNSUPPORTED_FORMAT; a file too short for what its header says is CORRUPT_IMAGE.
 */
final class BmpDecoder implements RasterDecoder {

    @Override
    public Bitmap open(byte[] b) throws StageException {
        if (b.length < 18) throw fail(FailureCode.NOT_AN_IMAGE, "cannot identify image file (BMP of " + b.length + " bytes)");
        return Bitmap.read(b, 14, u32le(b, 10), 0);
    }

    /** How the pixel bytes are laid out (Pillow's raw mode) and what mode they give. */
    enum Layout {
        P1(1, PillowMode.P), P4(4, PillowMode.P), P8(8, PillowMode.P), BILEVEL(1, PillowMode.BILEVEL),
        L(8, PillowMode.L), BGR15(16, PillowMode.RGB), BGR16(16, PillowMode.RGB), BGR(24, PillowMode.RGB),
        BGRX(32, PillowMode.RGB), XBGR(32, PillowMode.RGB), ABGR(32, PillowMode.RGBA), RGBA(32, PillowMode.RGBA),
        BGRA(32, PillowMode.RGBA);

        final int bits;
        final PillowMode mode;

        Layout(int bits, PillowMode mode) {
            this.bits = bits;
            this.mode = mode;
        }
    }

    /** Pillow's {@code _bitmap}: one DIB header, its palette and where its pixels start. */
    static final class Bitmap implements Header {
        private final byte[] b;
        final long width;
        final long height;
        final Layout layout;
        final boolean rle4;
        final boolean rle;
        final int[] palette;
        final long dataAt;
        final boolean topDown;
        final long stride;
        private final boolean mappable;

        private Bitmap(byte[] b, long width, long height, Layout layout, boolean rle, boolean rle4, int[] palette,
                long dataAt, boolean topDown, long stride, boolean mappable) {
            this.mappable = mappable;
            this.b = b;
            this.width = width;
            this.height = height;
            this.layout = layout;
            this.rle = rle;
            this.rle4 = rle4;
            this.palette = palette;
            this.dataAt = dataAt;
            this.topDown = topDown;
            this.stride = stride;
        }

        /**
         * @param at     where the DIB header starts
         * @param offset the file header's pixel offset, 0 for a DIB inside an icon (pixels follow the palette)
         * @param header Pillow's {@code header} argument: a cursor's entry offset, whose value 22 makes a 32-bit
         *               cursor "RGBA" (the one place Pillow reads BMP alpha without bitfields)
         */
        static Bitmap read(byte[] b, long at, long offset, long header) throws StageException {
            // Pillow's order: the size field (struct.error when cut: not identified), the whole header (OSError
            // "Truncated File Read"), then the header type.
            if (at + 4 > b.length) throw fail(FailureCode.NOT_AN_IMAGE, "cannot identify image file (no DIB header)");
            long headerSize = u32le(b, at);
            need(b, at, headerSize);
            if (headerSize != 12 && headerSize != 40 && headerSize != 64 && headerSize != 108 && headerSize != 124) {
                throw fail(FailureCode.UNSUPPORTED_FORMAT, "Unsupported BMP header type (" + headerSize + ")");
            }
            long h0 = at + 4;
            long width;
            long height;
            int bits;
            long compression = 0;
            long colors = 0;
            int padding;
            boolean topDown = false;
            long[] masks = null;
            long pos = at + headerSize;
            if (headerSize == 12) {
                width = u16le(b, h0);
                height = u16le(b, h0 + 2);
                bits = u16le(b, h0 + 6);
                padding = 3;
            } else {
                topDown = u8(b, h0 + 7) == 0xff;
                width = u32le(b, h0);
                height = topDown ? (1L << 32) - u32le(b, h0 + 4) : u32le(b, h0 + 4);
                bits = u16le(b, h0 + 10);
                compression = u32le(b, h0 + 12);
                colors = u32le(b, h0 + 28);
                padding = 4;
                if (compression == 3) {
                    if (headerSize >= 56) {
                        masks = new long[] {u32le(b, h0 + 36), u32le(b, h0 + 40), u32le(b, h0 + 44), u32le(b, h0 + 48)};
                    } else {
                        // A 40-byte header's three masks follow it; the fourth byte of a pixel is reserved, not alpha.
                        if (pos + 12 > b.length) {
                            throw fail(FailureCode.NOT_AN_IMAGE, "cannot identify image file (BMP masks cut short)");
                        }
                        masks = new long[] {u32le(b, pos), u32le(b, pos + 4), u32le(b, pos + 8), 0};
                        pos += 12;
                    }
                }
            }
            if (colors == 0) colors = bits >= 63 ? Long.MAX_VALUE : 1L << bits;
            if (offset == 14 + headerSize && bits <= 8) offset += 4 * colors;
            Layout layout = switch (bits) {
                case 1 -> Layout.P1;
                case 4 -> Layout.P4;
                case 8 -> Layout.P8;
                case 16 -> Layout.BGR15;
                case 24 -> Layout.BGR;
                case 32 -> Layout.BGRX;
                default -> throw fail(FailureCode.UNSUPPORTED_FORMAT, "Unsupported BMP pixel depth (" + bits + ")");
            };
            boolean rle = false;
            if (compression == 3) {
                layout = bitfields(bits, masks);
            } else if (compression == 0) {
                if (bits == 32 && header == 22) layout = Layout.BGRA;
            } else if (compression == 1 || compression == 2) {
                rle = true;
            } else {
                throw fail(FailureCode.UNSUPPORTED_FORMAT, "Unsupported BMP compression (" + compression + ")");
            }
            int[] palette = null;
            if (layout.mode == PillowMode.P) {
                if (colors < 1 || colors > 65536) {
                    throw fail(FailureCode.UNSUPPORTED_FORMAT, "Unsupported BMP Palette size (" + colors + ")");
                }
                long read = Math.max(0, Math.min(padding * colors, b.length - pos));
                if (isGreyscale(b, pos, read, padding, (int) colors)) {
                    layout = colors == 2 ? Layout.BILEVEL : Layout.L;
                } else {
                    palette = palette(b, pos, read, padding);
                }
                pos += read;
            }
            if (width < 1 || height < 1) {
                throw fail(FailureCode.NOT_AN_IMAGE, "cannot identify image file (BMP size " + width + "x" + height + ")");
            }
            long stride = ((width * bits + 31) >> 3) & ~3L;
            return new Bitmap(b, width, height, layout, rle, compression == 2, palette, offset != 0 ? offset : pos,
                    topDown, stride, at == 14 && !rle); // at 14: a BMP file (Pillow maps files, not icons)
        }

        private static Layout bitfields(int bits, long[] m) throws StageException {
            if (bits == 32) {
                if (is(m, 0xFF0000, 0xFF00, 0xFF, 0)) return Layout.BGRX;
                if (is(m, 0xFF000000L, 0xFF0000, 0xFF00, 0)) return Layout.XBGR;
                if (is(m, 0xFF000000L, 0xFF0000, 0xFF00, 0xFF)) return Layout.ABGR;
                if (is(m, 0xFF, 0xFF00, 0xFF0000, 0xFF000000L)) return Layout.RGBA;
                if (is(m, 0xFF0000, 0xFF00, 0xFF, 0xFF000000L) || is(m, 0, 0, 0, 0)) return Layout.BGRA;
            } else if (bits == 24 && m[0] == 0xFF0000 && m[1] == 0xFF00 && m[2] == 0xFF) {
                return Layout.BGR;
            } else if (bits == 16 && m[0] == 0xF800 && m[1] == 0x7E0 && m[2] == 0x1F) {
                return Layout.BGR16;
            } else if (bits == 16 && m[0] == 0x7C00 && m[1] == 0x3E0 && m[2] == 0x1F) {
                return Layout.BGR15;
            }
            throw fail(FailureCode.UNSUPPORTED_FORMAT, "Unsupported BMP bitfields layout");
        }

        private static boolean is(long[] m, long r, long g, long b, long a) {
            return m[0] == r && m[1] == g && m[2] == b && m[3] == a;
        }

        /** Pillow ditches a palette that is exactly black and white (2 colours) or the grey ramp 0, 1, 2, ... */
        private static boolean isGreyscale(byte[] b, long pos, long read, int padding, int colors) {
            for (int i = 0; i < colors; i++) {
                int value = colors == 2 ? (i == 0 ? 0 : 255) : i & 0xff;
                long at = pos + (long) i * padding;
                if (at + 3 > pos + read) return false;
                for (int c = 0; c < 3; c++) {
                    if ((b[(int) at + c] & 0xff) != value) return false;
                }
            }
            return true;
        }

        /** Null when it has more than 256 entries, which Pillow refuses when it loads the pixels. */
        private static int[] palette(byte[] b, long pos, long read, int padding) {
            long entries = read / padding;
            if (entries > 256) return null;
            int[] palette = RasterBytes.rampPalette();
            for (int i = 0; i < entries; i++) {
                int at = (int) pos + i * padding;
                palette[i] = (b[at + 2] & 0xff) << 16 | (b[at + 1] & 0xff) << 8 | (b[at] & 0xff);
            }
            return palette;
        }

        byte[] bytes() {
            return b;
        }

        @Override
        public long width() {
            return width;
        }

        @Override
        public long height() {
            return height;
        }

        @Override
        public Pixels decode() throws StageException {
            return decode((int) height);
        }

        /** The first {@code rows} rows in the file's order (an icon's image is the upper half of its DIB). */
        Pixels decode(int rows) throws StageException {
            int w = (int) width;
            if (layout.mode == PillowMode.P && palette == null) {
                throw fail(FailureCode.CORRUPT_IMAGE, "invalid palette size (over 256 entries)");
            }
            if (rle) return fromIndices(w, rows, new BmpRle(b, dataAt, rle4).decode(w, rows, layout, topDown));
            long rowBytes = (w * (long) layout.bits + 7) / 8;
            if (mapped(rows)) return fromIndices(w, rows, mappedRows(w, rows));
            if (stride < rowBytes) throw fail(FailureCode.CORRUPT_IMAGE, "BMP rows shorter than their pixels");
            need(b, dataAt, (rows - 1) * stride + rowBytes);
            int channels = layout.mode == PillowMode.P ? 1 : layout.mode.channels();
            byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, rows), channels)];
            for (int r = 0; r < rows; r++) {
                int y = topDown ? r : rows - 1 - r;
                unpack(b, (int) (dataAt + r * stride), out, y * w * channels, w);
            }
            return fromIndices(w, rows, out);
        }

        /**
         * Whether Pillow would memory-map this file's pixels (ImageFile.load: a BMP opened from a path, raw mode equal
         * to the image mode "L" or "P", the whole stride x height inside the file). Then each row is the row's first
         * width bytes at its stride, which differs from decoding only for a 4-bit palette that is the grey ramp
         * 0..15: Pillow reads it as 8-bit "L", rows overlapping, bytes past the file's end as the zeros of the
         * mapping's last page.
         */
        private boolean mapped(int rows) {
            return mappable && (layout == Layout.P8 || layout == Layout.L) && dataAt + rows * stride <= b.length;
        }

        private byte[] mappedRows(int w, int rows) {
            byte[] out = new byte[Math.multiplyExact(w, rows)];
            for (int r = 0; r < rows; r++) {
                long at = dataAt + r * stride;
                int y = topDown ? r : rows - 1 - r;
                System.arraycopy(b, (int) at, out, y * w, (int) Math.min(w, b.length - at));
            }
            return out;
        }

        private Pixels fromIndices(int w, int rows, byte[] data) {
            if (layout.mode == PillowMode.P) return new Pixels(w, rows, PillowMode.P, RasterBytes.lookUp(data, palette));
            return new Pixels(w, rows, layout.mode, data);
        }

        /** One row of Pillow's unpacker for the layout (Unpack.c), into P indices or the mode's bytes. */
        private void unpack(byte[] in, int at, byte[] out, int o, int w) {
            switch (layout) {
                case P1, BILEVEL -> {
                    for (int x = 0; x < w; x++) {
                        int bit = (in[at + (x >> 3)] >> (7 - (x & 7))) & 1;
                        out[o + x] = (byte) (layout == Layout.BILEVEL ? (bit != 0 ? 255 : 0) : bit);
                    }
                }
                case P4 -> {
                    for (int x = 0; x < w; x++) out[o + x] = (byte) ((in[at + (x >> 1)] >> ((x & 1) == 0 ? 4 : 0)) & 15);
                }
                case P8, L -> System.arraycopy(in, at, out, o, w);
                case BGR15, BGR16 -> {
                    for (int x = 0; x < w; x++, o += 3) {
                        int p = (in[at + 2 * x] & 0xff) | (in[at + 2 * x + 1] & 0xff) << 8;
                        if (layout == Layout.BGR15) {
                            out[o] = (byte) (((p >> 10) & 31) * 255 / 31);
                            out[o + 1] = (byte) (((p >> 5) & 31) * 255 / 31);
                        } else {
                            out[o] = (byte) (((p >> 11) & 31) * 255 / 31);
                            out[o + 1] = (byte) (((p >> 5) & 63) * 255 / 63);
                        }
                        out[o + 2] = (byte) ((p & 31) * 255 / 31);
                    }
                }
                default -> {
                    // Byte positions of R, G, B (and A) inside a 3- or 4-byte pixel.
                    int[] p = switch (layout) {
                        case BGR, BGRX -> new int[] {2, 1, 0};
                        case XBGR -> new int[] {3, 2, 1};
                        case ABGR -> new int[] {3, 2, 1, 0};
                        case RGBA -> new int[] {0, 1, 2, 3};
                        default -> new int[] {2, 1, 0, 3}; // BGRA
                    };
                    int size = layout.bits / 8;
                    for (int x = 0, s = at; x < w; x++, s += size, o += p.length) {
                        for (int c = 0; c < p.length; c++) out[o + c] = in[s + p[c]];
                    }
                }
            }
        }
    }
}
