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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Windows icons and cursors as Pillow 9.4 opens them.
 *
 * <p>ICO (IcoImagePlugin): the entry Pillow sorts first (largest width x height from the directory, then the
 * deepest colour, then the later entry), a PNG entry decoded as any PNG, a DIB entry's upper half converted to "RGBA"
 * with its alpha from the fourth byte of each pixel when the directory says 32 bits, else from the AND mask (1 =
 * transparent) that ends where the directory's entry size says.
 *
 * <p>CUR (CurImagePlugin): the first entry unless a later one is larger in both directory bytes; the DIB's upper half
 * in the DIB's own mode (no mask); 32 bits are "RGBA" only when that DIB starts at byte 22 (a one-entry cursor).
 */
final class IcoDecoder implements RasterDecoder {
    /** The PNG path, for PNG entries: decoded as the file itself would be (checksums, modes). */
    interface PngFrames {
        ImageDecoder.PngHeader header(byte[] png) throws StageException;

        Pixels decode(byte[] png) throws StageException;
    }

    private final boolean cursor;
    private final PngFrames png;

    IcoDecoder(boolean cursor, PngFrames png) {
        this.cursor = cursor;
        this.png = png;
    }

    private record Entry(int index, int width, int height, int colours, int bpp, long size, long offset) {
        long square() {
            return (long) width * height;
        }

        int colourDepth() {
            if (bpp != 0) return bpp;
            int depth = colours == 0 ? 0 : (int) Math.ceil(Math.log(colours) / Math.log(2));
            return depth != 0 ? depth : 256;
        }
    }

    @Override
    public Header open(byte[] b) throws StageException {
        int count = b.length >= 6 ? u16le(b, 4) : 0;
        if (count == 0 || 6 + 16L * count > b.length) {
            throw fail(FailureCode.NOT_AN_IMAGE, "cannot identify image file (" + (cursor ? "CUR" : "ICO")
                    + " directory of " + count + " entries in " + b.length + " bytes)");
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int at = 6 + 16 * i;
            entries.add(new Entry(i, u8(b, at), u8(b, at + 1), u8(b, at + 2), u16le(b, at + 6), u32le(b, at + 8),
                    u32le(b, at + 12)));
        }
        return cursor ? cursor(b, entries) : icon(b, entries);
    }

    private static Header cursor(byte[] b, List<Entry> entries) throws StageException {
        Entry m = entries.get(0);
        for (Entry e : entries.subList(1, entries.size())) {
            if (e.width() > m.width() && e.height() > m.height()) m = e;
        }
        long at = m.offset() != 0 ? m.offset() : 6 + 16L * entries.size();
        BmpDecoder.Bitmap dib = BmpDecoder.Bitmap.read(b, at, 0, m.offset());
        return halves(dib, dib.height / 2, null);
    }

    private Header icon(byte[] b, List<Entry> entries) throws StageException {
        // Pillow sorts by colour depth, then (stably) by area, then reverses the list and takes its first entry.
        // A directory byte 0 means 256.
        Entry e = entries.stream().map(x -> new Entry(x.index(), x.width() == 0 ? 256 : x.width(),
                        x.height() == 0 ? 256 : x.height(), x.colours(), x.bpp(), x.size(), x.offset()))
                .max(Comparator.comparingLong(Entry::square).thenComparingInt(Entry::colourDepth)
                        .thenComparingInt(Entry::index)).orElseThrow();
        if (startsWithPng(b, e.offset())) {
            byte[] entry = Arrays.copyOfRange(b, (int) e.offset(), b.length);
            ImageDecoder.PngHeader header = png.header(entry);
            return Header.of(header.width(), header.height(), () -> png.decode(entry));
        }
        BmpDecoder.Bitmap dib = BmpDecoder.Bitmap.read(b, e.offset(), 0, 0);
        return halves(dib, (long) Math.floor(dib.height / 2.0), e);
    }

    private static boolean startsWithPng(byte[] b, long at) {
        byte[] magic = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        if (at + 8 > b.length) return false;
        for (int i = 0; i < 8; i++) if (b[(int) at + i] != magic[i]) return false;
        return true;
    }

    /**
     * The DIB's upper half (an icon's DIB height counts the XOR image and the AND mask); with an icon entry, as
     * "RGBA" with the entry's alpha. The checked size is the DIB's whole for an icon (Pillow checks it before halving)
     * and the half for a cursor (checked after its open).
     */
    private static Header halves(BmpDecoder.Bitmap dib, long rows, Entry icon) {
        return Header.of(dib.width, icon != null ? dib.height : rows, () -> {
            if (rows < 1) throw fail(FailureCode.CORRUPT_IMAGE, "icon DIB of height " + dib.height);
            Pixels image = dib.decode((int) rows);
            return icon == null ? image : withAlpha(image, alpha(dib, icon, image.width(), image.height()));
        });
    }

    /** Alpha rows top-down: the 32-bit pixels' fourth bytes, or the AND mask inverted. */
    private static byte[] alpha(BmpDecoder.Bitmap dib, Entry icon, int w, int h) throws StageException {
        byte[] b = dib.bytes();
        byte[] alpha = new byte[w * h];
        if (icon.bpp() == 32) {
            need(b, dib.dataAt, 4L * w * h);
            for (int r = 0; r < h; r++) {
                int src = (int) dib.dataAt + r * w * 4 + 3;
                int dst = (h - 1 - r) * w;
                for (int x = 0; x < w; x++) alpha[dst + x] = b[src + 4 * x];
            }
            return alpha;
        }
        long padded = (w + 31L) / 32 * 32;
        long total = padded * h / 8;
        long maskAt = icon.offset() + icon.size() - total;
        need(b, maskAt, total);
        for (int r = 0; r < h; r++) {
            int src = (int) (maskAt + r * padded / 8);
            int dst = (h - 1 - r) * w;
            for (int x = 0; x < w; x++) {
                int bit = (b[src + (x >> 3)] >> (7 - (x & 7))) & 1;
                alpha[dst + x] = (byte) (bit != 0 ? 0 : 255);
            }
        }
        return alpha;
    }

    /** Pillow's {@code convert("RGBA")} then {@code putalpha(mask)}. */
    private static Pixels withAlpha(Pixels image, byte[] alpha) {
        int n = image.width() * image.height();
        byte[] out = new byte[n * 4];
        byte[] d = image.data();
        int c = image.mode().channels();
        boolean grey = image.mode() == PillowMode.L || image.mode() == PillowMode.BILEVEL;
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < 3; ch++) out[i * 4 + ch] = d[i * c + (grey ? 0 : ch)];
            out[i * 4 + 3] = alpha[i];
        }
        return new Pixels(image.width(), image.height(), PillowMode.RGBA, out);
    }
}
