package dev.sieve.image.decode;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decodes every PNG the way Pillow 9.4's PngImagePlugin and zip decoder do, in Pillow's mode ({@link PngLayout}):
 * palette ("P", looked up through the PLTE entries, the grey ramp past them), 1/2/4/8/16-bit grey ("1", "L", "I"),
 * 8/16-bit RGB, grey+alpha, RGBA; Adam7 interlaced or not; transparency is left out, as Pillow leaves it in
 * {@code info}. Damaged files fail or decode where Pillow's do: the chunks are walked as Pillow walks them
 * ({@link PngChunks}) and the image data is inflated with zlib ({@link Inflater}) block by block and row by row, the
 * calls Pillow makes, so a stream that ends after a whole row leaves the rest black, a row with an unknown filter
 * type fails at that row, and checksums past the last row are never looked at.
 *
 * <p>Where libdeflate is installed and the image data is a clean run of whole IDAT chunks (the common case), it is
 * inflated in one call instead (about twice as fast as zlib): a stream libdeflate inflates to exactly the rows'
 * bytes, checksum checked, gives Pillow's rows; anything else is decoded the step-by-step way. 16-bit layouts always
 * go step by step, so their raw rows are never held whole.
 */
final class PngDecoder {
    private final LibDeflate libDeflate;

    /** @param libDeflate null: inflate with java.util.zip only */
    PngDecoder(LibDeflate libDeflate) {
        this.libDeflate = libDeflate;
    }

    boolean usesLibDeflate() {
        return libDeflate != null;
    }

    /**
     * Pixels in Pillow's mode, or Pillow's failure: {@code png} opened by {@code chunks} ({@link PngChunks#open}),
     * whose size has been checked and charged (4 bytes a pixel at most are allocated on the heap).
     *
     * @param inIcon an icon's PNG entry: Pillow's icon plugin loads it while Image.open still runs, so a SyntaxError
     *               or struct.error while loading means "cannot identify" (NOT_AN_IMAGE) there, not CORRUPT_IMAGE
     */
    Pixels decode(byte[] png, PngChunks chunks, PngChunks.Opened opened, boolean inIcon) throws StageException {
        PngLayout layout = opened.layout();
        int w = (int) opened.width();
        int h = (int) opened.height();
        if (!opened.imageData()) throw corrupt("cannot load this image (no IDAT chunk before IEND)");
        byte[] lut = layout.palette() ? palette(opened.palette()) : null;
        int[] tile = tile(opened);
        // The decoder's setimage: an APNG frame's box must lie inside the image (a later IHDR may have shrunk it).
        if (tile[2] <= tile[0] || tile[3] <= tile[1] || tile[0] < 0 || tile[1] < 0 || tile[2] > w || tile[3] > h) {
            throw corrupt("tile cannot extend outside image (APNG frame " + Arrays.toString(tile) + " in " + w + "x"
                    + h + ")");
        }
        long size = (long) w * h * layout.outBytes();
        if (size > Integer.MAX_VALUE - 16 || size * (lut != null ? 4 : 1) > Integer.MAX_VALUE - 16) {
            throw new StageException(Stage.DECODE, FailureCode.TOO_MANY_PIXELS, "PNG of " + w + "x" + h
                    + " in mode " + layout.mode + " does not fit one array");
        }
        byte[] out = new byte[(int) size];
        if (!decodeInOneCall(png, chunks, opened, layout, out, w, tile)) {
            Arrays.fill(out, (byte) 0);
            decodeStepByStep(png, chunks, layout, opened.interlaced(), out, w, tile, inIcon);
        }
        try {
            chunks.readToEnd();
        } catch (PngChunks.Failure f) {
            throw failed(f, " (after the image data)", inIcon);
        }
        if (lut == null) return new Pixels(w, h, layout.mode, out);
        byte[] rgb = new byte[out.length * 3];
        for (int i = 0, d = 0; i < out.length; i++, d += 3) {
            int at = (out[i] & 0xff) * 3;
            rgb[d] = lut[at];
            rgb[d + 1] = lut[at + 1];
            rgb[d + 2] = lut[at + 2];
        }
        return new Pixels(w, h, PillowMode.P, rgb);
    }

    /**
     * Heap bytes a decode holds beside the pixels, in pixels of 4 bytes (the pixel budget's unit): the zip decoder's
     * two row buffers, as wide as the image's rows in the file (8 bytes a pixel for 16-bit RGBA), which a very wide
     * image makes large. The pixels themselves take at most 4 bytes each ("P": an index byte and its RGB look-up).
     */
    static long extraPixels(PngChunks.Opened opened) {
        int[] tile = tile(opened);
        return 2 * PngRows.bufferBytes(opened.layout(), Math.max(0, tile[2] - tile[0])) / 4 + 1;
    }

    private static int[] tile(PngChunks.Opened opened) {
        return opened.bbox() == null ? new int[] {0, 0, (int) opened.width(), (int) opened.height()} : opened.bbox();
    }

    /**
     * The palette as Pillow's core holds it after {@code putpalette}: the PLTE's whole entries, then the grey ramp
     * a new palette starts as (indices past the PLTE look up grey); none at all is the ramp. Over 256 entries is
     * Pillow's ValueError "invalid palette size".
     */
    static byte[] palette(byte[] plte) throws StageException {
        byte[] lut = new byte[768];
        for (int i = 0; i < 768; i++) lut[i] = (byte) (i / 3);
        if (plte == null) return lut;
        int entries = plte.length / 3;
        if (entries > 256) throw corrupt("invalid palette size (PLTE of " + plte.length + " bytes)");
        System.arraycopy(plte, 0, lut, 0, entries * 3);
        return lut;
    }

    /**
     * Pillow's load: blocks of image data from {@link PngChunks#nextData}, each inflated into rows as far as it
     * goes (ZipDecode's loop). Done when the last row is written or the stream ends with a row.
     */
    private static void decodeStepByStep(byte[] png, PngChunks chunks, PngLayout layout, boolean interlaced,
            byte[] out, int w, int[] tile, boolean inIcon) throws StageException {
        PngRows rows = new PngRows(layout, interlaced, out, w, tile);
        Inflater inflater = new Inflater();
        int[] block = new int[2];
        int last = 0;
        try {
            while (true) {
                chunks.nextData(block);
                inflater.setInput(png, block[0], block[1]);
                while (inflater.getRemaining() > 0) {
                    int full = rows.rowLength();
                    int n = last + inflater.inflate(rows.buffer(), last, full - last);
                    if (n < full) {
                        last = n; // needs more data (or the stream has ended inside a row)
                        break;
                    }
                    if (!rows.rowDone()) {
                        throw afterDecoderError(chunks, "unrecognized data stream contents (unknown PNG filter type)",
                                inIcon);
                    }
                    last = 0;
                    if (rows.done() || inflater.finished()) return;
                }
            }
        } catch (PngChunks.Failure f) {
            throw failed(f, "", inIcon);
        } catch (DataFormatException e) {
            throw afterDecoderError(chunks, "broken data stream (" + e.getMessage() + ")", inIcon);
        } finally {
            inflater.end();
        }
    }

    /**
     * The fast path: true when it decoded the image (see the class comment), false when the step-by-step decode
     * must (the output may then hold part of an image).
     */
    boolean decodeInOneCall(byte[] png, PngChunks chunks, PngChunks.Opened opened, PngLayout layout,
            byte[] out, int w, int[] tile) {
        if (libDeflate == null || layout.bits > 32) return false;
        List<int[]> run = chunks.wholeIdatRun();
        if (run == null) return false;
        long compressed = 0;
        for (int[] r : run) compressed += r[1];
        long rawSize = PngRows.rawBytes(layout, opened.interlaced(), tile[2] - tile[0], tile[3] - tile[1]);
        if (compressed == 0) return false;
        PngRows rows = new PngRows(layout, opened.interlaced(), out, w, tile);
        try (ScratchMemory.Lease in = ScratchMemory.COMPRESSED.lease(compressed);
             ScratchMemory.Lease raw = ScratchMemory.DECODED.lease(rawSize)) {
            long to = 0;
            for (int[] r : run) {
                in.memory().write(to, png, r[0], r[1]);
                to += r[1];
            }
            libDeflate.inflate(in.memory(), compressed, raw.memory(), rawSize);
            long at = 0;
            while (!rows.done()) {
                int n = rows.rowLength();
                raw.memory().read(at, rows.buffer(), 0, n);
                at += n;
                if (!rows.rowDone()) return false;
            }
        } catch (DataFormatException e) {
            return false;
        }
        int[] end = run.get(run.size() - 1);
        chunks.skipTo(end[0] + end[1]);
        return true;
    }

    /**
     * The decoder's own error (ZipDecode returned -1 with an error code): ImageFile.load still runs load_end before it
     * raises it, so a chunk after the data that fails there is the error Pillow reports (in an icon, a SyntaxError
     * there is "cannot identify").
     */
    private static StageException afterDecoderError(PngChunks chunks, String message, boolean inIcon) {
        try {
            chunks.readToEnd();
        } catch (PngChunks.Failure f) {
            return failed(f, " (after the image data, which was broken: " + message + ")", inIcon);
        }
        return corrupt(message);
    }

    private static StageException failed(PngChunks.Failure f, String where, boolean inIcon) {
        if (f.syntax && inIcon) {
            return new StageException(Stage.DECODE, FailureCode.NOT_AN_IMAGE, "cannot identify image file (icon's"
                    + " PNG entry: " + f.getMessage() + where + ")");
        }
        return corrupt(f.getMessage() + where);
    }

    private static StageException corrupt(String message) {
        return new StageException(Stage.DECODE, FailureCode.CORRUPT_IMAGE, "PNG could not be decoded: " + message);
    }
}
