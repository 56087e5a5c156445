package dev.sieve.image.decode;

/**
 * The LZW decoder of Pillow 9.4's GIF plugin (libImaging/GifDecode.c), as a resumable state machine over the bytes
 * that follow the code-size byte: it is fed what the caller has read so far, consumes what it can, and says how much.
 * Pillow's quirks are kept on purpose, since they decide which damaged GIFs decode and to what:
 * <ul>
 * <li>it knows nothing of the zero-length block that ends the image data: it reads on, taking the next bytes (the
 * trailer, another block) as further sub-blocks;</li>
 * <li>the end code only returns what was consumed; the frame is finished when its last pixel is written, and
 * nothing else finishes it;</li>
 * <li>a sub-block is started only when all of it has been read; a literal past the clear code right after a clear, a
 * code past the next free entry, or a chain longer than the 4096-entry buffer is "broken data stream";</li>
 * <li>literals and table entries are stored in a byte, so a code size over 8 wraps literals modulo 256.</li>
 * </ul>
 * The first frame is decoded without transparency (Pillow draws its transparent index like any other; the screen is
 * filled with it instead), so every pixel of a string is written in turn.
 */
final class GifLzw {
    /** Pillow's IMAGING_CODEC_* values, as its decoder leaves them in errcode. */
    static final int DONE = 0;
    static final int OVERRUN = -1;
    static final int BROKEN = -2;
    static final int CONFIG = -8;

    private static final int MAX_BITS = 12;
    private static final int TABLE = 1 << MAX_BITS;

    private final int bits;
    private final boolean interlaced;
    private final byte[] canvas;
    private final int canvasWidth;
    private final int xoff;
    private final int yoff;
    private final int xsize;
    private final int ysize;

    private int errcode = DONE;
    /** 0 before the first call, 1 after a clear code, 2 expecting the first code after it, 3 decoding. */
    private int state;
    private int x;
    private int y;
    private int pass;
    private int step;
    private int bitBuffer;
    private int bitCount;
    private int blockLeft;
    private int codeSize;
    private int codeMask;
    private int clear;
    private int end;
    private int lastCode;
    private byte lastData;
    private int bufferIndex = TABLE;
    private final byte[] buffer = new byte[TABLE];
    private final char[] link = new char[TABLE];
    private final byte[] data = new byte[TABLE];
    private int next;

    /**
     * @param bits        the code-size byte as the file gives it (Pillow refuses over 12 at the first call)
     * @param canvas      indices, {@code canvasWidth} a row; the frame is the rectangle at xoff, yoff
     */
    GifLzw(int bits, boolean interlaced, byte[] canvas, int canvasWidth, int xoff, int yoff, int xsize, int ysize) {
        this.bits = bits;
        this.interlaced = interlaced;
        this.canvas = canvas;
        this.canvasWidth = canvasWidth;
        this.xoff = xoff;
        this.yoff = yoff;
        this.xsize = xsize;
        this.ysize = ysize;
    }

    /** {@link #DONE} once the frame is complete, else the error that stopped the decoder. */
    int errcode() {
        return errcode;
    }

    /**
     * Feeds {@code len} bytes at {@code off}: the bytes not consumed by the last call come first again.
     *
     * @return the bytes consumed, or -1 when the decoder has stopped: the frame complete or an error
     *         ({@link #errcode()})
     */
    int decode(byte[] in, int off, int len) {
        int ptr = off;
        int bytes = len;
        if (state == 0) {
            if (bits < 0 || bits > MAX_BITS) {
                errcode = CONFIG;
                return -1;
            }
            clear = 1 << bits;
            end = clear + 1;
            if (interlaced) {
                pass = 1;
                step = 8;
            } else {
                step = 1;
            }
            state = 1;
        }
        for (;;) {
            if (state == 1) {
                next = clear + 2;
                codeSize = bits + 1;
                codeMask = (1 << codeSize) - 1;
                bufferIndex = TABLE;
                state = 2;
            }
            byte[] p;
            int from;
            int count;
            if (bufferIndex < TABLE) {
                // the rest of the last code's string, stacked from the right
                p = buffer;
                from = bufferIndex;
                count = TABLE - bufferIndex;
                bufferIndex = TABLE;
            } else {
                while (bitCount < codeSize) {
                    if (blockLeft > 0) {
                        // A sub-block is only started when all of it is in hand, so this cannot run out; the
                        // check keeps a broken invariant from becoming an exception.
                        if (bytes < 1) return ptr - off;
                        bitBuffer |= (in[ptr++] & 0xff) << bitCount;
                        bytes--;
                        blockLeft--;
                        bitCount += 8;
                    } else {
                        if (bytes < 1) return ptr - off;
                        int size = in[ptr] & 0xff;
                        if (bytes < size + 1) return ptr - off;
                        blockLeft = size;
                        ptr++;
                        bytes--;
                    }
                }
                int c = bitBuffer & codeMask;
                bitBuffer >>>= codeSize;
                bitCount -= codeSize;
                if (c == clear) {
                    if (state != 2) state = 1;
                    continue;
                }
                if (c == end) return ptr - off;
                p = null;
                from = 0;
                count = 1;
                if (state == 2) {
                    if (c > clear) return broken();
                    lastData = (byte) c;
                    lastCode = c;
                    state = 3;
                } else {
                    int thisCode = c;
                    if (c > next) return broken();
                    if (c == next) {
                        // the code being defined: the last string plus its own first byte
                        if (bufferIndex <= 0) return broken();
                        buffer[--bufferIndex] = lastData;
                        c = lastCode;
                    }
                    while (c >= clear) {
                        if (bufferIndex <= 0 || c >= TABLE) return broken();
                        buffer[--bufferIndex] = data[c];
                        c = link[c];
                    }
                    lastData = (byte) c;
                    if (next < TABLE) {
                        data[next] = (byte) c;
                        link[next] = (char) lastCode;
                        if (next == codeMask && codeSize < MAX_BITS) {
                            codeSize++;
                            codeMask = (1 << codeSize) - 1;
                        }
                        next++;
                    }
                    lastCode = thisCode;
                }
            }
            if (y >= ysize) {
                errcode = OVERRUN;
                return -1;
            }
            for (int k = 0; k < count; k++) {
                canvas[(yoff + y) * canvasWidth + xoff + x] = p == null ? lastData : p[from + k];
                if (++x >= xsize && !newLine()) return -1;
            }
        }
    }

    private int broken() {
        errcode = BROKEN;
        return -1;
    }

    /** The next row, through the four interlace passes (rows 0, 4, 2, 1 mod 8); false when the frame is complete. */
    private boolean newLine() {
        x = 0;
        y += step;
        while (y >= ysize) {
            switch (pass) {
                case 1 -> {
                    y = 4;
                    pass = 2;
                }
                case 2 -> {
                    step = 4;
                    y = 2;
                    pass = 3;
                }
                case 3 -> {
                    step = 2;
                    y = 1;
                    pass = 0;
                }
                default -> {
                    return false;
                }
            }
        }
        return true;
    }
}
