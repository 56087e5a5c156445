package dev.sieve.image.decode;

/**
 * The row side of Pillow 9.4's zip decoder (ZipDecode.c, PNG mode): each row's filter undone against the previous
 * row of its pass (zeros before the first), then unpacked into the image; Adam7 passes in Pillow's order, skipping a
 * pass with no rows or no columns, and (as Pillow) an interlaced tile is written from the image's top-left corner
 * whatever its offset. Rows not reached stay zero, as in Pillow's freshly made image.
 */
final class PngRows {
    private static final int[] OFFSET = {7, 3, 3, 1, 1, 0, 0};
    private static final int[] STARTING_COL = {0, 4, 0, 2, 0, 1, 0};
    private static final int[] STARTING_ROW = {0, 0, 4, 0, 2, 0, 1};
    private static final int[] COL_INCREMENT = {8, 8, 4, 4, 2, 2, 1};
    private static final int[] ROW_INCREMENT = {8, 8, 8, 4, 4, 2, 2};

    private final PngLayout layout;
    private final byte[] out;
    private final int imageWidth;
    private final int outBytes;
    private final int xsize;
    private final int ysize;
    private final int xoff;
    private final int yoff;
    private final boolean interlaced;
    private final int bytes;
    private final int bpp;
    private byte[] buffer;
    private byte[] previous;
    private int pass;
    private int y;
    private int rowLen;

    /**
     * @param out        the image, {@code imageWidth} pixels a row, {@link PngLayout#outBytes} bytes a pixel
     * @param tile       x0, y0, x1, y1 the data covers (the whole image, or an APNG frame's box)
     */
    PngRows(PngLayout layout, boolean interlaced, byte[] out, int imageWidth, int[] tile) {
        this.layout = layout;
        this.out = out;
        this.imageWidth = imageWidth;
        this.outBytes = layout.outBytes();
        this.xoff = tile[0];
        this.yoff = tile[1];
        this.xsize = tile[2] - tile[0];
        this.ysize = tile[3] - tile[1];
        this.interlaced = interlaced;
        this.bytes = (int) layout.rowBytes(xsize);
        this.bpp = layout.filterStride();
        this.buffer = new byte[bytes + 1];
        this.previous = new byte[bytes + 1];
        this.rowLen = interlaced ? passRowLength(0) : bytes;
    }

    /** Bytes the zip decoder's buffer needs (its {@code state->bytes} + 1); the caller checks it fits first. */
    static long bufferBytes(PngLayout layout, long tileWidth) {
        return layout.rowBytes(tileWidth) + 1;
    }

    /** Bytes of all the rows (filter bytes included) the decoder takes before it is done. */
    static long rawBytes(PngLayout layout, boolean interlaced, long xsize, long ysize) {
        if (!interlaced) return (layout.rowBytes(xsize) + 1) * ysize;
        long total = 0;
        for (int p = 0; p < 7; p++) {
            long rowLen = layout.rowBytes((xsize + OFFSET[p]) / COL_INCREMENT[p]);
            if (rowLen <= 0 || STARTING_ROW[p] >= ysize) continue;
            long rows = (ysize - STARTING_ROW[p] + ROW_INCREMENT[p] - 1) / ROW_INCREMENT[p];
            total += rows * (rowLen + 1);
        }
        return total;
    }

    /** The buffer the next row is inflated into: {@link #rowLength} bytes, the filter type first. */
    byte[] buffer() {
        return buffer;
    }

    /** Bytes of the next row, its filter byte included. */
    int rowLength() {
        return rowLen + 1;
    }

    boolean done() {
        return y >= ysize;
    }

    /**
     * The buffer holds a whole row: undoes its filter, writes its pixels, moves to the next row (and pass). False
     * for an unknown filter type (Pillow: IMAGING_CODEC_UNKNOWN).
     */
    boolean rowDone() {
        if (!unfilter()) return false;
        if (interlaced) {
            int col = STARTING_COL[pass];
            int pixels = layout.bits >= 8 ? rowLen / bpp : (xsize + OFFSET[pass]) / COL_INCREMENT[pass];
            for (int i = 0; i < pixels; i++, col += COL_INCREMENT[pass]) {
                layout.unpack(buffer, i, out, (y * imageWidth + col) * outBytes);
            }
            y += ROW_INCREMENT[pass];
            boolean newPass = false;
            while (y >= ysize || rowLen <= 0) {
                pass++;
                if (pass == 7) {
                    y = ysize;
                    break;
                }
                y = STARTING_ROW[pass];
                rowLen = passRowLength(pass);
                newPass = true;
            }
            // Pillow zeroes the row just decoded when a pass starts, and it then becomes the previous row.
            if (newPass) java.util.Arrays.fill(buffer, (byte) 0);
        } else {
            int o = ((y + yoff) * imageWidth + xoff) * outBytes;
            if (layout.copiesRows()) {
                System.arraycopy(buffer, 1, out, o, xsize * outBytes);
            } else {
                for (int i = 0; i < xsize; i++) layout.unpack(buffer, i, out, o + i * outBytes);
            }
            y++;
        }
        byte[] t = buffer;
        buffer = previous;
        previous = t;
        return true;
    }

    private int passRowLength(int p) {
        long pixels = (xsize + OFFSET[p]) / COL_INCREMENT[p];
        return (int) layout.rowBytes(pixels);
    }

    /** ZipDecode's predictors, on buffer[1..rowLen] against previous[1..rowLen]. */
    private boolean unfilter() {
        byte[] b = buffer;
        byte[] p = previous;
        int n = rowLen;
        switch (b[0]) {
            case 0 -> {
            }
            case 1 -> {
                for (int i = bpp + 1; i <= n; i++) b[i] += b[i - bpp];
            }
            case 2 -> {
                for (int i = 1; i <= n; i++) b[i] += p[i];
            }
            case 3 -> {
                int i = 1;
                for (; i <= bpp && i <= n; i++) b[i] += (byte) ((p[i] & 0xff) >>> 1);
                for (; i <= n; i++) b[i] += (byte) (((b[i - bpp] & 0xff) + (p[i] & 0xff)) >>> 1);
            }
            case 4 -> {
                int i = 1;
                for (; i <= bpp && i <= n; i++) b[i] += p[i];
                for (; i <= n; i++) {
                    int a = b[i - bpp] & 0xff;
                    int u = p[i] & 0xff;
                    int c = p[i - bpp] & 0xff;
                    int pa = Math.abs(u - c);
                    int pb = Math.abs(a - c);
                    int pc = Math.abs(a + u - 2 * c);
                    b[i] += (byte) (pa <= pb && pa <= pc ? a : pb <= pc ? u : c);
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }
}
