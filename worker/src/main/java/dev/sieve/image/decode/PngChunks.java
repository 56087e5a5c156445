package dev.sieve.image.decode;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Pillow 9.4's walk over a PNG's chunks (PngImagePlugin's ChunkStream, PngStream and PngImageFile), replayed over
 * the file's bytes with Pillow's file position: the chunks before the image data as {@code _open} reads them
 * ({@link #open}), the image data as {@code load_read} hands it to the zip decoder ({@link #nextData}), and the chunks
 * after it as {@code load_end} reads them ({@link #readToEnd}). Pillow trusts the lengths it reads (a damaged IDAT
 * length makes it read the next chunk's header as image data, or a chunk header from inside the data), checks the
 * CRC only of the chunks before the image data, and fails on a chunk cut short anywhere, so where a damaged file
 * fails, and whether, depends on replaying exactly this.
 */
final class PngChunks {
    /** Pillow's {@code ImageFile.SAFEBLOCK}: the most decompressed text one zTXt, iTXt or iCCP chunk may hold. */
    private static final int MAX_TEXT_CHUNK = 1024 * 1024;
    private static final long MAX_TEXT_MEMORY = 64L * MAX_TEXT_CHUNK;
    /** Pillow's {@code ImageFile.decodermaxblock}: load reads the image data in blocks of at most this. */
    static final int READ_BLOCK = 65536;

    /**
     * A Python exception from a chunk handler. {@code syntax}: SyntaxError, struct.error or IndexError, which
     * Image.open turns into "cannot identify image file" while opening; otherwise ValueError or OSError, which it
     * lets through.
     */
    static final class Failure extends Exception {
        final boolean syntax;

        Failure(boolean syntax, String message) {
            super(message, null, false, false);
            this.syntax = syntax;
        }
    }

    /** What {@code _open} learnt: the last IHDR's fields, the palette, where the image data starts, APNG state. */
    record Opened(long width, long height, int bitDepth, int colourType, boolean interlaced, PngLayout layout,
                  byte[] palette, int[] bbox, boolean animated, boolean imageData) {
    }

    private final byte[] b;
    private int pos;
    // PngStream's state
    private long width;
    private long height;
    private int bitDepth = -1;
    private int colourType = -1;
    private boolean interlaced;
    private PngLayout layout;
    private byte[] palette;
    private int[] bbox;
    private Long seqNum;
    private Long frames;
    private boolean defaultImage;
    private long textMemory;
    /** Bytes left of the image data chunk load_read is in (PngImageFile.__idat). */
    private long idatLeft;
    private boolean animated;
    private boolean imageData = true;
    private boolean startsWithFdat;

    PngChunks(byte[] png) {
        this.b = png;
    }

    /**
     * {@code _open}: every chunk up to the first IDAT (or fdAT), each handled and its CRC checked, then the checks
     * Image.open makes on what it found. Throws with Pillow's outcome: NOT_AN_IMAGE where it cannot identify the
     * file, CORRUPT_IMAGE where an error escapes Image.open.
     */
    Opened open() throws StageException {
        pos = 8;
        try {
            while (true) {
                Header h = readHeader();
                if (h == null) throw new Failure(true, "truncated chunk header at " + pos);
                if (!h.valid) throw new Failure(true, "broken PNG file (chunk " + h.name() + ")");
                String type = h.type;
                // Before an IHDR with a known layout, chunk_IDAT fails on a missing attribute (im_rawmode) and
                // _open skips the chunk as an unknown one, its CRC checked: only then is image data image data.
                if (type.equals("IDAT") && layout != null) {
                    idatLeft = h.length;
                    if (frames != null && bbox == null) defaultImage = true;
                    break;
                }
                if (type.equals("IEND")) {
                    // No tile: Image.open succeeds, load fails ("cannot load this image").
                    imageData = false;
                    break;
                }
                if (type.equals("fdAT")) {
                    fdat(h.length);
                    if (layout != null) {
                        if (frames != null && bbox == null) defaultImage = true;
                        idatLeft = h.length - 4;
                        startsWithFdat = true;
                        break;
                    }
                }
                int dataAt = pos;
                if (type.equals("IDAT") || type.equals("fdAT")) {
                    safeRead(h.length); // the whole length, after an fdAT's sequence number too
                } else {
                    handle(type, h.length, true);
                }
                // PngStream.crc, over the type and the bytes the handler returned
                if (b.length - pos < 4) throw new Failure(true, "broken PNG file (incomplete checksum in " + type + ")");
                CRC32 crc = new CRC32();
                crc.update(type.getBytes(StandardCharsets.ISO_8859_1));
                crc.update(b, dataAt, pos - dataAt);
                if (crc.getValue() != u32(b, pos)) {
                    throw new Failure(true, "broken PNG file (bad header checksum in " + type + ")");
                }
                pos += 4;
            }
        } catch (Failure f) {
            throw new StageException(Stage.DECODE, f.syntax ? FailureCode.NOT_AN_IMAGE : FailureCode.CORRUPT_IMAGE,
                    (f.syntax ? "cannot identify image file (" : "PNG could not be opened (") + f.getMessage() + ")");
        }
        if (layout == null || width <= 0 || height <= 0) {
            throw new StageException(Stage.DECODE, FailureCode.NOT_AN_IMAGE, "cannot identify image file (PNG of "
                    + width + "x" + height + ", bit depth " + bitDepth + ", colour type " + colourType
                    + ": not identified by this driver)");
        }
        long n = (frames == null ? 1 : frames) + (defaultImage && frames != null ? 1 : 0);
        animated = n > 1;
        return new Opened(width, height, bitDepth, colourType, interlaced, layout, palette, bbox, animated, imageData);
    }

    /**
     * {@code load_read}: the next block of image data, as (offset, length) into the file in {@code into}; crosses
     * into the next IDAT, DDAT or fdAT chunk when this one is used up. Throws where Pillow's load fails: another
     * chunk or the end of the file before the decoder is done ("image file is truncated"), a broken chunk header.
     */
    void nextData(int[] into) throws Failure {
        while (idatLeft == 0) {
            pos += Math.min(4, b.length - pos); // the CRC, unchecked
            Header h = readHeader();
            if (h == null) throw new Failure(false, "image file is truncated");
            if (!h.valid) throw new Failure(true, "broken PNG file (chunk " + h.name() + ")");
            if (h.type.equals("fdAT")) {
                fdat(h.length);
                idatLeft = h.length - 4;
            } else if (h.type.equals("IDAT") || h.type.equals("DDAT")) {
                idatLeft = h.length; // empty chunks are allowed
            } else {
                throw new Failure(false, "image file is truncated (" + h.type + " chunk before the image data ended)");
            }
        }
        long want = Math.min(READ_BLOCK, idatLeft);
        idatLeft -= want;
        int got = (int) Math.min(want, b.length - pos);
        if (got == 0) throw new Failure(false, "image file is truncated (0 bytes not processed)");
        into[0] = pos;
        into[1] = got;
        pos += got;
    }

    /**
     * {@code load_end}, after the decoder is done: skips the rest of the current data chunk, then reads chunks up to
     * IEND (or the next APNG frame), calling their handlers (no CRC checks); stops quietly at a broken or missing
     * chunk header, fails on a chunk cut short or one its handler refuses.
     */
    void readToEnd() throws Failure {
        pos += (int) Math.min(idatLeft, b.length - pos);
        idatLeft = 0;
        while (true) {
            pos += Math.min(4, b.length - pos);
            Header h = readHeader();
            if (h == null || !h.valid) return;
            if (h.type.equals("IEND")) return;
            if (h.type.equals("fcTL") && animated) return;
            if (h.type.equals("IDAT")) {
                safeRead(h.length);
            } else if (h.type.equals("fdAT")) {
                fdat(h.length);
                safeRead(h.length - 4);
            } else {
                handle(h.type, h.length, false);
            }
        }
    }

    /**
     * Right after {@link #open}: the image data as (offset, length) pieces when it is a clean run, that is whole IDAT
     * chunks, each followed by its CRC, up to a complete, valid header of another chunk; null otherwise (the data
     * starts in an fdAT, a chunk is cut, a DDAT or fdAT follows, a header is broken), where only the step-by-step
     * walk knows what Pillow reads.
     */
    java.util.List<int[]> wholeIdatRun() {
        if (startsWithFdat) return null;
        java.util.List<int[]> run = new java.util.ArrayList<>();
        int at = pos;
        long length = idatLeft;
        while (true) {
            if (length > b.length - at - 4L - 8L) return null; // data, CRC and the next header must all be there
            run.add(new int[] {at, (int) length});
            at += (int) length + 4;
            String type = new String(b, at + 4, 4, StandardCharsets.ISO_8859_1);
            if (!type.matches("[A-Za-z0-9_]{4}") || type.equals("DDAT") || type.equals("fdAT")) return null;
            if (!type.equals("IDAT")) return run;
            length = u32(b, at);
            at += 8;
        }
    }

    /** Positions the walk after a run of image data read whole (the fast path), as load would leave it. */
    void skipTo(int position) {
        pos = position;
        idatLeft = 0;
    }

    private record Header(String type, long length, boolean valid) {
        String name() {
            return HexFormat.of().formatHex(type.getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    /**
     * ChunkStream.read: 8 bytes (fewer at the end of the file); null where even the length is cut (struct.error),
     * invalid where the type is not four word characters.
     */
    private Header readHeader() {
        int avail = b.length - pos;
        if (avail < 4) {
            pos = b.length;
            return null;
        }
        int take = Math.min(8, avail);
        long length = u32(b, pos);
        String type = new String(b, pos + 4, take - 4, StandardCharsets.ISO_8859_1);
        pos += take;
        boolean valid = type.length() == 4;
        for (int i = 0; i < type.length() && valid; i++) {
            char c = type.charAt(i);
            valid = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
        }
        return new Header(type, length, valid);
    }

    /** ImageFile._safe_read: exactly {@code length} bytes or OSError "Truncated File Read". Returns the offset. */
    private int safeRead(long length) throws Failure {
        int at = pos;
        if (length <= 0) return at;
        if (length > b.length - pos) {
            pos = b.length;
            throw new Failure(false, "Truncated File Read");
        }
        pos += (int) length;
        return at;
    }

    /** chunk_fdAT up to its sequence number (the data is the caller's). */
    private void fdat(long length) throws Failure {
        if (length < 4) throw new Failure(false, "APNG contains truncated fDAT chunk");
        int at = safeRead(4);
        long seq = u32(b, at);
        if (seqNum == null || seqNum != seq - 1) throw new Failure(true, "APNG contains frame sequence errors");
        seqNum = seq;
    }

    /** PngStream's chunk handlers, as far as they can fail or matter for the pixels; unknown chunks are skipped. */
    private void handle(String type, long length, boolean opening) throws Failure {
        int at = safeRead(length);
        int n = (int) Math.max(0, length);
        switch (type) {
            case "IHDR" -> {
                if (n < 13) throw new Failure(false, "Truncated IHDR chunk");
                width = u32(b, at);
                height = u32(b, at + 4);
                PngLayout l = PngLayout.of(b[at + 8] & 0xff, b[at + 9] & 0xff);
                if (l != null) {
                    layout = l;
                    bitDepth = b[at + 8] & 0xff;
                    colourType = b[at + 9] & 0xff;
                }
                if (b[at + 12] != 0) interlaced = true;
                if (b[at + 11] != 0) throw new Failure(true, "unknown filter category");
            }
            case "PLTE" -> {
                if (opening && layout != null && layout.palette()) palette = java.util.Arrays.copyOfRange(b, at, at + n);
            }
            case "tRNS" -> {
                if (layout == null) return;
                if (layout.greyTransparency() && n < 2 || layout.rgbTransparency() && n < 6) {
                    throw new Failure(true, "tRNS of " + n + " bytes (struct.error)");
                }
            }
            case "gAMA" -> {
                if (n < 4) throw new Failure(true, "gAMA of " + n + " bytes (struct.error)");
            }
            case "cHRM" -> {
                if (n % 4 != 0) throw new Failure(true, "cHRM of " + n + " bytes (struct.error)");
            }
            case "sRGB" -> {
                if (n < 1) throw new Failure(false, "Truncated sRGB chunk");
            }
            case "pHYs" -> {
                if (n < 9) throw new Failure(false, "Truncated pHYs chunk");
            }
            case "tEXt" -> {
                int zero = indexOfZero(at, n);
                int keyLength = zero < 0 ? n : zero - at;
                if (keyLength > 0) text(zero < 0 ? 0 : n - keyLength - 1);
            }
            case "zTXt" -> {
                int zero = indexOfZero(at, n);
                int keyLength = zero < 0 ? n : zero - at;
                int valueAt = zero < 0 ? at + n : zero + 1;
                int valueLength = at + n - valueAt;
                int method = valueLength > 0 ? b[valueAt] & 0xff : 0;
                if (method != 0) throw new Failure(true, "Unknown compression method " + method + " in zTXt chunk");
                long text = valueLength > 1 ? inflateText(valueAt + 1, valueLength - 1) : 0;
                if (keyLength > 0) text(Math.max(0, text));
            }
            case "iTXt" -> {
                int zero = indexOfZero(at, n);
                if (zero < 0 || at + n - (zero + 1) < 2) return;
                int flag = b[zero + 1] & 0xff;
                int method = b[zero + 2] & 0xff;
                int rest = zero + 3;
                int lang = indexOfZero(rest, at + n - rest);
                int key = lang < 0 ? -1 : indexOfZero(lang + 1, at + n - lang - 1);
                if (key < 0) return;
                int valueAt = key + 1;
                long text = at + n - valueAt;
                if (flag != 0) {
                    if (method != 0) return;
                    text = inflateText(valueAt, at + n - valueAt);
                    if (text < 0) return;
                }
                // UTF-8 errors leave the chunk out; characters are counted as bytes (an upper bound).
                text(text);
            }
            case "iCCP" -> {
                if (n == 0) throw new Failure(true, "iCCP chunk of 0 bytes (IndexError)");
                int zero = indexOfZero(at, n);
                int i = zero < 0 ? at + n - 1 : zero;
                int method = b[i] & 0xff;
                if (method != 0) throw new Failure(true, "Unknown compression method " + method + " in iCCP chunk");
                int from = i + 2;
                if (from < at + n) inflateText(from, at + n - from);
            }
            case "acTL" -> {
                if (n < 8) throw new Failure(false, "APNG contains truncated acTL chunk");
                if (frames != null) {
                    frames = null;
                    return;
                }
                long count = u32(b, at);
                if (count == 0 || count > 0x80000000L) return;
                frames = count;
            }
            case "fcTL" -> {
                if (n < 26) throw new Failure(false, "APNG contains truncated fcTL chunk");
                long seq = u32(b, at);
                if (seqNum == null && seq != 0 || seqNum != null && seqNum != seq - 1) {
                    throw new Failure(true, "APNG contains frame sequence errors");
                }
                seqNum = seq;
                long w = u32(b, at + 4);
                long h = u32(b, at + 8);
                long px = u32(b, at + 12);
                long py = u32(b, at + 16);
                if (px + w > width || py + h > height) throw new Failure(true, "APNG contains invalid frames");
                bbox = new int[] {(int) px, (int) py, (int) (px + w), (int) (py + h)};
            }
            default -> {
                // IDAT after the image data, eXIf, unknown chunks: read and skipped.
            }
        }
    }

    /** PngStream.check_text_memory. */
    private void text(long characters) throws Failure {
        textMemory += characters;
        if (textMemory > MAX_TEXT_MEMORY) throw new Failure(false, "Too much memory used in text chunks");
    }

    /**
     * _safe_zlib_decompress: the decompressed length; -1 where zlib fails (the handlers then take no text); fails
     * (ValueError) where it would be over {@link #MAX_TEXT_CHUNK} with input left over.
     */
    private long inflateText(int at, int length) throws Failure {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(b, at, length);
            byte[] out = new byte[8192];
            long total = 0;
            while (!inflater.finished() && !inflater.needsDictionary()) {
                int room = (int) Math.min(out.length, MAX_TEXT_CHUNK - total);
                if (room == 0) {
                    if (inflater.getRemaining() > 0) throw new Failure(false, "Decompressed Data Too Large");
                    break;
                }
                int got = inflater.inflate(out, 0, room);
                total += got;
                if (got == 0 && inflater.needsInput()) break;
            }
            return inflater.needsDictionary() ? -1 : total;
        } catch (DataFormatException e) {
            return -1;
        } finally {
            inflater.end();
        }
    }

    private int indexOfZero(int from, int length) {
        for (int i = from; i < from + length; i++) if (b[i] == 0) return i;
        return -1;
    }

    static long u32(byte[] b, int at) {
        return ((long) (b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8)
                | (b[at + 3] & 0xff);
    }
}
