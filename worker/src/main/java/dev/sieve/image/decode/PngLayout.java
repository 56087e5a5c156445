package dev.sieve.image.decode;

import dev.sieve.image.PillowMode;

/**
 * One row of Pillow 9.4's PngImagePlugin {@code _MODES} table: the mode a (bit depth, colour type) opens in, and the
 * unpacker ("rawmode") its samples go through, with that unpacker's bits per pixel (the zip decoder's row length and
 * filter stride come from it). 16-bit samples keep their high byte, except 16-bit grey, which becomes "I"; 16-bit
 * grey+alpha opens as "RGBA" ("LA;16B"); 1-bit grey is "1"; 2- and 4-bit grey are scaled to 8 bits.
 */
enum PngLayout {
    BILEVEL(1, 0, PillowMode.BILEVEL, 1),
    L2(2, 0, PillowMode.L, 2),
    L4(4, 0, PillowMode.L, 4),
    L8(8, 0, PillowMode.L, 8),
    I16B(16, 0, PillowMode.I, 16),
    RGB8(8, 2, PillowMode.RGB, 24),
    RGB16B(16, 2, PillowMode.RGB, 48),
    P1(1, 3, PillowMode.P, 1),
    P2(2, 3, PillowMode.P, 2),
    P4(4, 3, PillowMode.P, 4),
    P8(8, 3, PillowMode.P, 8),
    LA8(8, 4, PillowMode.LA, 16),
    LA16B(16, 4, PillowMode.RGBA, 32),
    RGBA8(8, 6, PillowMode.RGBA, 32),
    RGBA16B(16, 6, PillowMode.RGBA, 64);

    final int bitDepth;
    final int colourType;
    final PillowMode mode;
    /** Bits per pixel of the unpacker (ImagingFindUnpacker's {@code bits}). */
    final int bits;

    PngLayout(int bitDepth, int colourType, PillowMode mode, int bits) {
        this.bitDepth = bitDepth;
        this.colourType = colourType;
        this.mode = mode;
        this.bits = bits;
    }

    /** The layout, or null where Pillow has none (it then does not identify the file). */
    static PngLayout of(int bitDepth, int colourType) {
        for (PngLayout l : values()) if (l.bitDepth == bitDepth && l.colourType == colourType) return l;
        return null;
    }

    boolean palette() {
        return colourType == 3;
    }

    /** chunk_tRNS reads one 16-bit value for "1", "L" and "I" (grey of any depth). */
    boolean greyTransparency() {
        return colourType == 0;
    }

    /** chunk_tRNS reads three 16-bit values for "RGB" (8 and 16 bits). */
    boolean rgbTransparency() {
        return colourType == 2;
    }

    /** Bytes a row of {@code pixels} takes in the file (the zip decoder's {@code state->bytes}), filter byte not counted. */
    long rowBytes(long pixels) {
        return (pixels * bits + 7) / 8;
    }

    /** The filters' byte stride: (bits + 7) / 8, as ZipDecode computes it. */
    int filterStride() {
        return (bits + 7) / 8;
    }

    /**
     * Bytes per pixel of the decoder's own output before any palette look-up: the mode's, except "P", which is
     * decoded to one index byte per pixel.
     */
    int outBytes() {
        return palette() ? 1 : mode.channels();
    }

    /**
     * Unpacks pixel {@code i} of a row (samples from {@code row[1]}, after the filter byte) to {@code out} at
     * {@code o}, in the output layout of {@link #outBytes}.
     */
    void unpack(byte[] row, int i, byte[] out, int o) {
        if (bits < 8) {
            int bit = i * bits;
            int v = ((row[1 + (bit >> 3)] & 0xff) << (bit & 7) & 0xff) >> (8 - bits);
            out[o] = (byte) switch (this) {
                case BILEVEL -> v != 0 ? 255 : 0;
                case L2 -> v * 0x55;
                case L4 -> v * 0x11;
                default -> v; // P;1, P;2, P;4: the index
            };
            return;
        }
        int s = 1 + i * (bits >> 3);
        switch (this) {
            case L8, P8 -> out[o] = row[s];
            case I16B -> {
                int v = (row[s] & 0xff) << 8 | row[s + 1] & 0xff;
                out[o] = (byte) v;
                out[o + 1] = (byte) (v >> 8);
                out[o + 2] = 0;
                out[o + 3] = 0;
            }
            case RGB8 -> {
                out[o] = row[s];
                out[o + 1] = row[s + 1];
                out[o + 2] = row[s + 2];
            }
            case RGB16B -> {
                out[o] = row[s];
                out[o + 1] = row[s + 2];
                out[o + 2] = row[s + 4];
            }
            case LA8 -> {
                out[o] = row[s];
                out[o + 1] = row[s + 1];
            }
            case LA16B -> {
                out[o] = row[s];
                out[o + 1] = row[s];
                out[o + 2] = row[s];
                out[o + 3] = row[s + 2];
            }
            case RGBA8 -> {
                out[o] = row[s];
                out[o + 1] = row[s + 1];
                out[o + 2] = row[s + 2];
                out[o + 3] = row[s + 3];
            }
            case RGBA16B -> {
                out[o] = row[s];
                out[o + 1] = row[s + 2];
                out[o + 2] = row[s + 4];
                out[o + 3] = row[s + 6];
            }
            default -> throw new IllegalStateException(name());
        }
    }

    /** True where a row's samples are the output bytes as they stand (8-bit samples, no conversion). */
    boolean copiesRows() {
        return this == L8 || this == P8 || this == RGB8 || this == LA8 || this == RGBA8;
    }
}
