package dev.sieve.image.decode;

import dev.sieve.StageException;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.zip.Deflater;

/**
 * LZW, Deflate and PackBits strips as libtiff decodes them, for the TIFF layouts the JDK's reader unpacks. Each strip
 * (or tile) is first decoded with libtiff's own decoders ({@link TiffStripDecoder}): one that fails refuses the image,
 * as Pillow's TIFFReadEncodedStrip does (the JDK's decoders are more lenient: a damaged LZW strip they decode, Pillow
 * refuses). Where every stream ends cleanly, with the strip, the reader gets the file as it is: its decoders give the
 * same bytes. Where libtiff took a stream that goes on past the strip (libdeflate's INSUFFICIENT_SPACE, codes after
 * the strip is full, a damaged stream that still fills it), the reader gets a copy whose strips are libtiff's bytes
 * deflated again, so that it unpacks exactly what Pillow unpacks, predictor and all.
 */
final class TiffExactStrips {
    private static final int FILL_ORDER = 266;
    private static final int COMPRESSION = 259;

    private TiffExactStrips() {
    }

    /**
     * The bytes to hand the reader (these, or the re-deflated copy); throws where libtiff cannot read or decode a
     * strip. {@code planes}: how many planes Pillow reads (its unpackers: one a band), 1 for chunky data.
     */
    static byte[] prepare(byte[] b, TiffDirectory d, int planes) throws StageException {
        if (!TiffStripDecoder.decodes(d.compression())) return b;
        int[] order = readOrder(d, planes);
        if (decode(b, d, order, false) == null) return b;
        byte[][] strips = decode(b, d, order, true);
        return strips == null ? b : redeflated(b, d, strips);
    }

    /**
     * Pillow's _decodeStrip / _decodeTile: strips (or rows of tiles) top to bottom, each plane's in turn, a row of
     * tiles left to right; segment indices as TIFFComputeStrip / TIFFComputeTile give them.
     */
    private static int[] readOrder(TiffDirectory d, int planes) {
        TiffDirectory.Segments s = d.segments();
        boolean tiled = s.tileWidth() > 0 && s.tileLength() > 0;
        long across = tiled ? (d.width() + s.tileWidth() - 1) / s.tileWidth() : 1;
        long step = tiled ? s.tileLength() : Math.max(1, Math.min(s.rowsPerStrip(), d.height()));
        long down = (d.height() + step - 1) / step;
        long perPlane = across * down;
        int total = (int) Math.min(perPlane * planes, s.offsets().length);
        int[] order = new int[total];
        int n = 0;
        for (long row = 0; row < down && n < total; row++) {
            for (int plane = 0; plane < planes; plane++) {
                for (long x = 0; x < across; x++) {
                    long index = plane * perPlane + row * across + x;
                    if (index < s.offsets().length && n < total) order[n++] = (int) index;
                }
            }
        }
        return n == total ? order : Arrays.copyOf(order, n);
    }

    /**
     * Decodes the segments in Pillow's order into one buffer, reused as Pillow reuses it (what a decoder does not
     * write keeps the previous strip's bytes; zeros at first). Checking ({@code collect} false): null when every
     * stream ends cleanly (or old-style LZW leaves the file to the reader), else a marker; collecting: each
     * segment's bytes.
     */
    private static byte[][] decode(byte[] b, TiffDirectory d, int[] order, boolean collect) throws StageException {
        TiffDirectory.Segments s = d.segments();
        long largest = 0;
        for (int i : order) largest = Math.max(largest, d.uncompressedBytes(i));
        if (largest > Integer.MAX_VALUE - 16) throw TiffDirectory.corrupt("TIFF strip of " + largest + " bytes");
        byte[] buffer = new byte[(int) largest];
        TiffStripDecoder decoder = new TiffStripDecoder();
        byte[][] out = collect ? new byte[s.offsets().length][] : null;
        boolean clean = true;
        for (int i : order) {
            int need = (int) d.uncompressedBytes(i);
            if (need <= 0) continue;
            // TIFFFillStrip: a strip that is empty or runs past the end of the file is a read error; a huge count
            // is cut first, as libtiff cuts it (TiffCodecs.checkReadable has checked both already).
            long stored = TiffCodecs.libtiffCount(s.counts()[i], d.uncompressedBytes(0));
            if (stored <= 0 || stored > b.length - s.offsets()[i]) {
                throw TiffDirectory.corrupt("compressed strip or tile " + i + " of " + stored + " bytes at "
                        + s.offsets()[i] + " is empty or runs past the end of the file (" + b.length + " bytes):"
                        + " libtiff cannot read it, so Pillow refuses the image");
            }
            int from = (int) s.offsets()[i];
            int count = (int) stored;
            byte[] in = b;
            if (d.fillOrder() == 2) { // libtiff reverses the bits of the raw strip before decoding it
                in = new byte[count];
                for (int k = 0; k < count; k++) in[k] = (byte) (Integer.reverse(b[from + k] & 0xff) >>> 24);
                from = 0;
            }
            if (d.compression() == TiffStripDecoder.LZW && TiffStripDecoder.oldStyleLzw(in, from, count)) {
                return null; // LZWDecodeCompat: left to the reader, as before
            }
            TiffStripDecoder.Result result = decoder.decode(d.compression(), in, from, count, buffer, need, need);
            if (!result.decoded()) {
                throw TiffDirectory.corrupt("compressed strip or tile " + i + " does not decode as libtiff decodes it"
                        + " (libtiff, and so Pillow, refuses it)");
            }
            clean &= result == TiffStripDecoder.Result.CLEAN;
            if (collect) out[i] = Arrays.copyOf(buffer, need);
        }
        return collect ? out : clean ? null : new byte[0][];
    }

    /**
     * A copy of the file with the new strips after it, their offsets and byte counts in new LONG arrays, the
     * compression set to Deflate and the fill order to 1 (the bits are already in order): the directory's entries are
     * rewritten in place, everything else stays where it was.
     */
    private static byte[] redeflated(byte[] b, TiffDirectory d, byte[][] strips) throws StageException {
        boolean big = d.bigEndian();
        int ifd = (int) TiffDirectory.u32(b, 4, big);
        int entries = TiffDirectory.u16(b, ifd, big);
        ByteArrayOutputStream tail = new ByteArrayOutputStream();
        int base = b.length + (b.length & 1);
        long[] offsets = new long[strips.length];
        long[] counts = new long[strips.length];
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        byte[] chunk = new byte[64 * 1024];
        try {
            for (int i = 0; i < strips.length; i++) {
                offsets[i] = base + tail.size();
                deflater.reset();
                deflater.setInput(strips[i] == null ? new byte[0] : strips[i]);
                deflater.finish();
                while (!deflater.finished()) tail.write(chunk, 0, deflater.deflate(chunk));
                counts[i] = base + tail.size() - offsets[i];
                if (tail.size() % 2 == 1) tail.write(0);
            }
        } finally {
            deflater.end();
        }
        int arrays = base + tail.size();
        long end = (long) arrays + 8L * strips.length;
        if (end > 0xFFFFFFFFL || end > Integer.MAX_VALUE - 16) {
            throw TiffDirectory.corrupt("TIFF too large to hand the reader re-deflated strips");
        }
        byte[] out = new byte[(int) end];
        System.arraycopy(b, 0, out, 0, b.length);
        byte[] t = tail.toByteArray();
        System.arraycopy(t, 0, out, base, t.length);
        for (int i = 0; i < strips.length; i++) {
            TiffDirectory.put(out, arrays + 4 * i, offsets[i], 4, big);
            TiffDirectory.put(out, arrays + 4 * strips.length + 4 * i, counts[i], 4, big);
        }
        for (int k = 0; k < entries; k++) {
            int at = ifd + 2 + 12 * k;
            int tag = TiffDirectory.u16(out, at, big);
            switch (tag) {
                case COMPRESSION -> entry(out, at, 3, 1, 8, big);
                case FILL_ORDER -> entry(out, at, 3, 1, 1, big);
                case 273, 324 -> entry(out, at, 4, strips.length, strips.length == 1 ? offsets[0] : arrays, big);
                case 279, 325 -> entry(out, at, 4, strips.length,
                        strips.length == 1 ? counts[0] : arrays + 4L * strips.length, big);
                default -> {
                }
            }
        }
        return out;
    }

    /** Rewrites a directory entry: type, count, and its value (SHORT values left-justified, as TIFF stores them). */
    private static void entry(byte[] out, int at, int type, int count, long value, boolean big) {
        TiffDirectory.put(out, at + 2, type, 2, big);
        TiffDirectory.put(out, at + 4, count, 4, big);
        if (type == 3) {
            TiffDirectory.put(out, at + 8, value, 2, big);
            TiffDirectory.put(out, at + 10, 0, 2, big);
        } else {
            TiffDirectory.put(out, at + 8, value, 4, big);
        }
    }

}
