package dev.sieve.image.decode;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.io.ByteArrayOutputStream;
import java.util.Optional;
import java.util.Set;
import java.util.zip.Deflater;

/**
 * The TIFF compressions Pillow 9.4 decodes through Debian's libtiff 4.5 and the JDK's TIFF reader does not: ZSTD
 * (50000, {@code tif_zstd.c}), LZMA (34925, {@code tif_lzma.c}) and WebP (50001, {@code tif_webp.c}). Each strip or
 * tile libtiff would read is decompressed here with libtiff's calls and libtiff's verdict — it succeeds only when its
 * codec fills the bytes libtiff asks for (the strip's rows, a whole tile), else Pillow refuses the image — and the
 * TIFF is then handed on rewritten, every strip holding those bytes as Deflate (compression 8), every other tag as it
 * was, so the JDK's reader and sieve's layout rules (predictors, palettes, extra samples, min-is-white...) apply
 * unchanged: libtiff undoes a predictor after any codec, as the JDK's reader does after Deflate. libtiff reverses the
 * bits of fill order 2 data before any codec, and so does this (the rewrite drops the tag); libtiff ignores the
 * predictor tag for WebP, and so does the rewrite.
 *
 * <p>The codecs run through JNA, as libtiff runs them: ZSTD with {@code ZSTD_decompressStream} (Debian's
 * {@code libzstd1}), LZMA with {@code lzma_stream_decoder} and {@code lzma_code} (Debian's {@code liblzma5}), WebP
 * with libwebp's incremental decoder into a buffer of the strip's or tile's size ({@code libwebp7}). A missing
 * library refuses those TIFFs as UNSUPPORTED_FORMAT, naming it. Output is streamed into the Deflate writer in small
 * chunks (ZSTD, LZMA) and never exceeds what the strip needs, so a strip that claims gigabytes costs what its rows
 * are; the strips and tiles together may not cover much more than the image (TOO_MANY_PIXELS).
 *
 * <p>Pillow 9.4 cannot identify a TIFF whose compression is not in its {@code COMPRESSION_INFO} (JBIG 34661, LERC
 * 34887...): {@link #checkKnown} refuses those as UNSUPPORTED_FORMAT, before any other tag is looked at, as Pillow
 * does.
 */
final class TiffCodecs {
    static final int LZMA = 34925;
    static final int ZSTD = 50000;
    static final int WEBP = 50001;
    /** Pillow 9.4's TiffImagePlugin.COMPRESSION_INFO keys. */
    private static final Set<Integer> PILLOW_KNOWS = Set.of(1, 2, 3, 4, 5, 6, 7, 8, 32771, 32773, 32809, 32946,
            34676, 34677, LZMA, ZSTD, WEBP);
    static final String ZSTD_PROPERTY = "sieve.libzstd.library";
    static final String LZMA_PROPERTY = "sieve.liblzma.library";
    private static final int CHUNK = 64 * 1024;
    /** sieve's cap on an LZMA stream's dictionary (libtiff has none; xz's largest preset uses 64 MiB). */
    private static final long LZMA_MEMLIMIT = 256L << 20;

    private TiffCodecs() {
    }

    /** ZSTD's streaming decoder (zstd.h). */
    interface Zstd extends Library {
        Pointer ZSTD_createDStream();

        long ZSTD_freeDStream(Pointer zds);

        long ZSTD_initDStream(Pointer zds);

        long ZSTD_decompressStream(Pointer zds, Pointer output, Pointer input);

        int ZSTD_isError(long code);
    }

    /** liblzma's .xz stream decoder (lzma/base.h, lzma/container.h). */
    interface Lzma extends Library {
        int lzma_stream_decoder(Pointer strm, long memlimit, int flags);

        int lzma_code(Pointer strm, int action);

        void lzma_end(Pointer strm);
    }

    /** libwebp's incremental decoder (decode.h), as tif_webp.c uses it. */
    interface WebpIncremental extends Library {
        Pointer WebPINewDecoder(Pointer outputBuffer);

        int WebPIAppend(Pointer idec, Pointer data, long size);

        Pointer WebPIDecGetRGB(Pointer idec, IntByReference lastY, IntByReference width, IntByReference height,
                               IntByReference stride);

        void WebPIDelete(Pointer idec);

        void WebPFreeDecBuffer(Pointer buffer);
    }

    private static final Optional<Zstd> ZSTD_LIB = open(System.getProperty(ZSTD_PROPERTY, "zstd"), Zstd.class);
    private static final Optional<Lzma> LZMA_LIB = open(System.getProperty(LZMA_PROPERTY, "lzma"), Lzma.class);
    private static final Optional<WebpIncremental> WEBP_LIB = LibWebp.load().isEmpty() ? Optional.empty()
            : open(System.getProperty(LibWebp.LIBRARY_PROPERTY, "webp"), WebpIncremental.class);

    private static <T extends Library> Optional<T> open(String name, Class<T> api) {
        try {
            return Optional.of(Native.load(name, api));
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            System.err.println("sieve: library '" + name + "' not loaded, TIFFs compressed with it are refused: "
                    + e.getMessage());
            return Optional.empty();
        }
    }

    static boolean zstdLoaded() {
        return ZSTD_LIB.isPresent();
    }

    static boolean lzmaLoaded() {
        return LZMA_LIB.isPresent();
    }

    /** Pillow's {@code COMPRESSION_INFO[...]} lookup, the first thing its {@code _setup} does. */
    static void checkKnown(int compression) throws StageException {
        if (!PILLOW_KNOWS.contains(compression)) {
            throw new StageException(Stage.DECODE, FailureCode.UNSUPPORTED_FORMAT, "TIFF with compression "
                    + compression + (compression == 34661 ? " (JBIG)" : compression == 34887 ? " (LERC)" : "")
                    + ": not in Pillow 9.4's COMPRESSION_INFO, so it cannot identify the file and the reference does"
                    + " not score it");
        }
    }

    /** True for the compressions this class decompresses and rewrites as Deflate. */
    static boolean rewrites(int compression) {
        return compression == ZSTD || compression == LZMA || compression == WEBP;
    }

    /** Refuses, naming the package, when the codec's library is not loaded. */
    static void checkLibrary(int compression) throws StageException {
        String missing = compression == ZSTD && ZSTD_LIB.isEmpty() ? "ZSTD: libzstd (Debian's libzstd1)"
                : compression == LZMA && LZMA_LIB.isEmpty() ? "LZMA: liblzma (Debian's liblzma5)"
                : compression == WEBP && WEBP_LIB.isEmpty() ? "WebP: libwebp (Debian's libwebp7 and libwebpdemux2)"
                : null;
        if (missing != null) {
            throw new StageException(Stage.DECODE, FailureCode.UNSUPPORTED_FORMAT, "TIFF compressed with " + missing
                    + " is not installed, so sieve cannot decode it as Pillow (libtiff) does");
        }
    }

    /**
     * The same TIFF with every strip or tile libtiff reads decompressed and stored again as Deflate, in a new first
     * directory appended to a copy of the file. Throws CORRUPT_IMAGE where libtiff fails a strip.
     */
    static byte[] toDeflate(byte[] b, TiffDirectory d) throws StageException {
        checkLibrary(d.compression());
        TiffDirectory.Segments s = d.segments();
        int spp = d.samplesPerPixel() == null ? 1 : d.samplesPerPixel();
        long planes = d.planar() == 2 ? spp : 1;
        boolean tiled = s.tileWidth() > 0 && s.tileLength() > 0;
        long used;
        long segmentWidth;
        if (tiled) {
            used = ceil(d.width(), s.tileWidth()) * ceil(d.height(), s.tileLength()) * planes;
            segmentWidth = s.tileWidth();
        } else {
            long rps = Math.max(1, Math.min(s.rowsPerStrip(), d.height()));
            used = ceil(d.height(), rps) * planes;
            segmentWidth = d.width();
        }
        if (s.offsets().length < used) {
            throw TiffDirectory.corrupt("TIFF with " + s.offsets().length + " strips or tiles where its size needs "
                    + used + " (libtiff reads a missing one as empty and fails)");
        }
        int widest = java.util.Arrays.stream(d.bitsPerSample()).max().orElse(8);
        long raster = d.width() * d.height() * spp * Math.max(1, (widest + 7) / 8);
        long total = 0;
        for (int i = 0; i < used; i++) total += d.uncompressedBytes(i);
        if (total > 4 * raster + (64L << 20)) {
            throw new StageException(Stage.DECODE, FailureCode.TOO_MANY_PIXELS, "TIFF whose " + used
                    + " strips or tiles hold " + total + " bytes for an image of " + raster);
        }
        checkReadable(b, d, used);
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + 4096);
        out.write(b, 0, b.length);
        if (out.size() % 2 != 0) out.write(0);
        long[] offsets = new long[(int) used];
        long[] counts = new long[(int) used];
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        byte[] chunk = new byte[CHUNK];
        byte[] compressed = new byte[CHUNK];
        try {
            for (int i = 0; i < used; i++) {
                long offset = s.offsets()[i];
                long stored = s.counts()[i] == 0 && singleStrip(d, used) ? singleStripCount(b, d) : s.counts()[i];
                long count = libtiffCount(stored, fullSize(d));
                if (count == 0) throw TiffDirectory.corrupt("strip " + i + " has no bytes");
                long need = d.uncompressedBytes(i);
                byte[] raw = b;
                int from = (int) offset;
                if (d.fillOrder() == 2) {
                    raw = reverseBits(b, from, (int) count);
                    from = 0;
                }
                deflater.reset();
                offsets[i] = out.size();
                Sink sink = bytes -> {
                    deflater.setInput(chunk, 0, bytes);
                    while (!deflater.needsInput()) out.write(compressed, 0, deflater.deflate(compressed));
                };
                long got = switch (d.compression()) {
                    case ZSTD -> zstd(raw, from, (int) count, need, chunk, sink);
                    case LZMA -> lzma(raw, from, (int) count, need, chunk, sink);
                    default -> webp(raw, from, (int) count, need, segmentWidth, spp, d.bitsPerSample(), chunk, sink);
                };
                if (got != need) {
                    throw TiffDirectory.corrupt(name(d.compression()) + " strip or tile " + i + " decodes to " + got
                            + " of the " + need + " bytes libtiff asks for, so Pillow cannot load it");
                }
                deflater.finish();
                while (!deflater.finished()) out.write(compressed, 0, deflater.deflate(compressed));
                counts[i] = out.size() - offsets[i];
                if (out.size() > Integer.MAX_VALUE - (1 << 20)) {
                    throw new StageException(Stage.DECODE, FailureCode.TOO_MANY_PIXELS, "TIFF too large to rewrite");
                }
            }
        } finally {
            deflater.end();
        }
        return rewriteDirectory(b, out, d, tiled, offsets, counts);
    }

    /**
     * libtiff's TIFFFillStrip / TIFFFillTile before any codec runs, for every compressed TIFF (Pillow reads all of them
     * through libtiff): an empty strip fails ("Invalid strip byte count"), a huge count is cut to 10 strips and 4 KB,
     * and what is still past the end of the file is a read error. Only the strips or tiles the image uses are read.
     */
    static void checkReadable(byte[] b, TiffDirectory d) throws StageException {
        if (d.compression() == 1) return;
        TiffDirectory.Segments s = d.segments();
        int spp = d.samplesPerPixel() == null ? 1 : d.samplesPerPixel();
        long planes = d.planar() == 2 ? spp : 1;
        long used = s.tileWidth() > 0 && s.tileLength() > 0
                ? ceil(d.width(), s.tileWidth()) * ceil(d.height(), s.tileLength()) * planes
                : ceil(d.height(), Math.max(1, Math.min(s.rowsPerStrip(), d.height()))) * planes;
        checkReadable(b, d, Math.min(used, s.offsets().length));
    }

    private static void checkReadable(byte[] b, TiffDirectory d, long used) throws StageException {
        TiffDirectory.Segments s = d.segments();
        long fullSize = fullSize(d);
        for (int i = 0; i < used; i++) {
            long stored = s.counts()[i];
            // A single strip counted 0 is estimated by libtiff's directory reader (singleStripCount).
            if (stored == 0 && singleStrip(d, used)) continue;
            if (stored == 0) throw TiffDirectory.corrupt("strip or tile " + i + " has a byte count of 0 (libtiff: "
                    + "\"Invalid strip byte count\")");
            long count = libtiffCount(stored, fullSize);
            if (s.offsets()[i] + count > b.length) {
                throw TiffDirectory.corrupt("compressed strip or tile " + i + " at " + s.offsets()[i] + " claims "
                        + count + " bytes, past the end of the file (" + b.length + " bytes): libtiff's read error,"
                        + " so Pillow cannot load it");
            }
        }
    }

    /**
     * For the JDK's reader: a compressed TIFF whose single strip is counted 0, copied with the count libtiff estimates
     * for it written in; otherwise the same array.
     */
    static byte[] sizeSingleStrip(byte[] b, TiffDirectory d) throws StageException {
        TiffDirectory.Segments s = d.segments();
        if (d.compression() == 1 || s.offsets().length != 1 || s.counts()[0] != 0 || !singleStrip(d, 1)) return b;
        long rps = Math.max(1, Math.min(s.rowsPerStrip(), d.height()));
        int spp = d.samplesPerPixel() == null ? 1 : d.samplesPerPixel();
        if (ceil(d.height(), rps) * (d.planar() == 2 ? spp : 1) != 1) return b;
        long estimate = singleStripCount(b, d);
        int size = s.countsType() == 3 ? 2 : s.countsType() == 1 ? 1 : 4;
        if (estimate == 0 || estimate >= 1L << (8 * size) || s.countsAt() < 0) return b;
        byte[] out = b.clone();
        TiffDirectory.put(out, s.countsAt(), estimate, size, d.bigEndian());
        return out;
    }

    private static boolean singleStrip(TiffDirectory d, long used) {
        return used == 1 && !(d.segments().tileWidth() > 0 && d.segments().tileLength() > 0)
                && d.segments().offsets()[0] != 0;
    }

    /**
     * TIFFReadDirectory's estimate for a compressed single strip whose byte count is 0 (ByteCountLooksBad,
     * EstimateStripByteCounts): the file less the header, the directory and its values stored outside it, cut to
     * what lies after the strip's offset.
     */
    private static long singleStripCount(byte[] b, TiffDirectory d) throws StageException {
        boolean big = d.bigEndian();
        long ifd = TiffDirectory.u32(b, 4, big);
        int entries = TiffDirectory.u16(b, (int) ifd, big);
        long space = 8 + 2 + 12L * entries + 4;
        for (int i = 0; i < entries; i++) {
            int at = (int) ifd + 2 + 12 * i;
            int type = TiffDirectory.u16(b, at + 2, big);
            long width = switch (type) {
                case 1, 2, 6, 7 -> 1;
                case 3, 8 -> 2;
                case 4, 9, 11, 13 -> 4;
                case 5, 10, 12, 16, 17, 18 -> 8;
                default -> throw TiffDirectory.corrupt("single strip counted 0 beside a tag of unknown type " + type
                        + " (libtiff: \"Cannot determine size of unknown tag type\")");
            };
            long size = width * TiffDirectory.u32(b, at + 4, big);
            if (size > 4) space += size;
        }
        long estimate = b.length < space ? b.length : b.length - space;
        long offset = d.segments().offsets()[0];
        return offset + estimate > b.length ? Math.max(0, b.length - offset) : estimate;
    }

    /** TIFFStripSize / TIFFTileSize: a whole strip's (or tile's) bytes. */
    private static long fullSize(TiffDirectory d) {
        return d.uncompressedBytes(0);
    }

    /** The bytes libtiff reads for a stored byte count: past 1 MiB and 10 strips + 4 KB, cut to that. */
    static long libtiffCount(long count, long fullSize) {
        return count > 1024 * 1024 && fullSize != 0 && (count - 4096) / 10 > fullSize ? fullSize * 10 + 4096 : count;
    }

    /** Where decompressed bytes go: {@code bytes} of the shared chunk. */
    @FunctionalInterface
    private interface Sink {
        void take(int bytes);
    }

    /** ZSTDDecode: ZSTD_decompressStream until an error, the end of a frame, the end of the data or a full strip. */
    private static long zstd(byte[] in, int from, int count, long need, byte[] chunk, Sink sink) {
        Zstd z = ZSTD_LIB.orElseThrow();
        Pointer stream = z.ZSTD_createDStream();
        if (stream == null) throw new IllegalStateException("ZSTD_createDStream failed");
        try (Memory src = new Memory(Math.max(1, count)); Memory dst = new Memory(CHUNK);
             Memory inBuf = new Memory(24); Memory outBuf = new Memory(24)) {
            if (z.ZSTD_isError(z.ZSTD_initDStream(stream)) != 0) return -1;
            src.write(0, in, from, count);
            inBuf.setPointer(0, src);
            inBuf.setLong(8, count);
            inBuf.setLong(16, 0);
            long done = 0;
            long ret;
            do {
                long room = Math.min(CHUNK, need - done);
                outBuf.setPointer(0, dst);
                outBuf.setLong(8, room);
                outBuf.setLong(16, 0);
                ret = z.ZSTD_decompressStream(stream, outBuf, inBuf);
                if (z.ZSTD_isError(ret) != 0) return -1;
                int n = (int) outBuf.getLong(16);
                if (n > 0) {
                    dst.read(0, chunk, 0, n);
                    sink.take(n);
                    done += n;
                }
            } while (ret != 0 && inBuf.getLong(16) < count && done < need);
            return done;
        } finally {
            z.ZSTD_freeDStream(stream);
        }
    }

    /** LZMADecode: lzma_code until the stream ends, an error, or a full strip. */
    private static long lzma(byte[] in, int from, int count, long need, byte[] chunk, Sink sink)
            throws StageException {
        Lzma l = LZMA_LIB.orElseThrow();
        // lzma_stream: next_in, avail_in, total_in, next_out, avail_out, total_out, allocator, internal, reserved
        // fields: 136 bytes on 64-bit hosts; LZMA_STREAM_INIT is all zeros.
        try (Memory strm = new Memory(256); Memory src = new Memory(Math.max(1, count));
             Memory dst = new Memory(CHUNK)) {
            strm.clear();
            src.write(0, in, from, count);
            int init = l.lzma_stream_decoder(strm, LZMA_MEMLIMIT, 0);
            if (init != 0) return -1;
            try {
                strm.setPointer(0, src);
                strm.setLong(8, count);
                long done = 0;
                while (done < need) {
                    long room = Math.min(CHUNK, need - done);
                    strm.setPointer(24, dst);
                    strm.setLong(32, room);
                    int ret = l.lzma_code(strm, 0);
                    int n = (int) (room - strm.getLong(32));
                    if (n > 0) {
                        dst.read(0, chunk, 0, n);
                        sink.take(n);
                        done += n;
                    }
                    if (ret == 1) break; // LZMA_STREAM_END
                    if (ret == 6) {  // LZMA_MEMLIMIT_ERROR
                        throw new StageException(Stage.DECODE, FailureCode.UNSUPPORTED_FORMAT, "LZMA TIFF strip"
                                + " whose dictionary needs more than sieve's " + (LZMA_MEMLIMIT >> 20) + " MiB");
                    }
                    if (ret != 0) break; // "Decoding error"
                }
                return done;
            } finally {
                l.lzma_end(strm);
            }
        }
    }

    /**
     * TWebPDecode for a whole strip or tile: WebPIAppend of all its data into a buffer of the segment's size, in
     * MODE_RGB (3 samples) or MODE_RGBA (4); it succeeds when the decoder has given every row. The setup's checks
     * first: 3 or 4 samples of 8 bits (libtiff's test lets 16-bit unsigned through, whose strips then never fill).
     */
    private static long webp(byte[] in, int from, int count, long need, long segmentWidth, int spp, int[] bits,
                             byte[] chunk, Sink sink) throws StageException {
        WebpIncremental w = WEBP_LIB.orElseThrow();
        if (spp != 3 && spp != 4) return -1; // "WEBP driver doesn't support N bands"
        if (java.util.Arrays.stream(bits).anyMatch(x -> x != 8)) return -1;
        long stride = segmentWidth * spp;
        long rows = need / stride;
        if (need % stride != 0 || segmentWidth > 16383 || rows > 16383) return -1;
        try (Memory src = new Memory(Math.max(1, count)); Memory dst = new Memory(Math.max(1, need));
             Memory buffer = new Memory(120)) {
            src.write(0, in, from, count);
            dst.clear();
            // WebPDecBuffer: colorspace, width, height, is_external_memory, then u.RGBA {rgba, stride, size}.
            buffer.clear();
            buffer.setInt(0, spp == 4 ? 1 : 0); // MODE_RGBA : MODE_RGB
            buffer.setInt(4, (int) segmentWidth);
            buffer.setInt(8, (int) rows);
            buffer.setInt(12, 1);
            buffer.setPointer(16, dst);
            buffer.setInt(24, (int) stride);
            buffer.setLong(32, need);
            Pointer idec = w.WebPINewDecoder(buffer);
            if (idec == null) return -1;
            try {
                int status = w.WebPIAppend(idec, src, count);
                if (status != 0 && status != 5) return -1; // VP8_STATUS_OK, VP8_STATUS_SUSPENDED
                IntByReference lastY = new IntByReference();
                IntByReference width = new IntByReference();
                IntByReference stridePtr = new IntByReference();
                Pointer rgb = w.WebPIDecGetRGB(idec, lastY, width, new IntByReference(), stridePtr);
                if (rgb == null || need > (long) stridePtr.getValue() * lastY.getValue()) return -1;
                if (lastY.getValue() != rows) return -1; // "less lines than expected"
                if (width.getValue() != segmentWidth) {
                    // libtiff takes it, leaving the rest of each row as its buffer held it: not reproducible.
                    throw new StageException(Stage.DECODE, FailureCode.UNSUPPORTED_FORMAT, "WebP TIFF strip or"
                            + " tile " + width.getValue() + " pixels wide in a segment of " + segmentWidth
                            + ": libtiff leaves the rest of its buffer as it was, which sieve cannot reproduce");
                }
            } finally {
                w.WebPIDelete(idec);
                w.WebPFreeDecBuffer(buffer);
            }
            for (long at = 0; at < need; at += CHUNK) {
                int n = (int) Math.min(CHUNK, need - at);
                dst.read(at, chunk, 0, n);
                sink.take(n);
            }
            return need;
        }
    }

    /**
     * A classic first directory appended to {@code out} (which holds the file): the original entries in their order,
     * the compression set to Deflate, the offsets and byte counts pointing at the new strips (as LONGs), the fill order
     * and, for WebP, the predictor dropped; then the header pointed at it.
     */
    private static byte[] rewriteDirectory(byte[] b, ByteArrayOutputStream out, TiffDirectory d, boolean tiled,
                                           long[] offsets, long[] counts) {
        boolean big = d.bigEndian();
        long ifd = TiffDirectory.u32(b, 4, big);
        int entries = TiffDirectory.u16(b, (int) ifd, big);
        if (out.size() % 2 != 0) out.write(0);
        long offsetsAt = offsets.length > 1 ? out.size() : -1;
        if (offsets.length > 1) for (long o : offsets) write(out, o, 4, big);
        long countsAt = offsets.length > 1 ? out.size() : -1;
        if (offsets.length > 1) for (long c : counts) write(out, c, 4, big);
        int newIfd = out.size();
        int offsetsTag = tiled ? 324 : 273;
        int countsTag = tiled ? 325 : 279;
        java.util.List<byte[]> kept = new java.util.ArrayList<>();
        for (int i = 0; i < entries; i++) {
            int at = (int) ifd + 2 + 12 * i;
            int tag = TiffDirectory.u16(b, at, big);
            if (tag == 266 || tag == 317 && d.compression() == WEBP) continue;
            if (tag == 273 || tag == 279 || tag == 324 || tag == 325) {
                if (tag != offsetsTag && tag != countsTag) continue;
                boolean isOffsets = tag == offsetsTag;
                long[] values = isOffsets ? offsets : counts;
                long where = isOffsets ? offsetsAt : countsAt;
                kept.add(entry(tag, 4, values.length, values.length > 1 ? where : values[0], big));
                continue;
            }
            if (tag == 259) {
                kept.add(entry(259, 3, 1, 8, big));
                continue;
            }
            byte[] e = new byte[12];
            System.arraycopy(b, at, e, 0, 12);
            kept.add(e);
        }
        write(out, kept.size(), 2, big);
        for (byte[] e : kept) out.write(e, 0, 12);
        write(out, 0, 4, big);
        byte[] result = out.toByteArray();
        TiffDirectory.put(result, 4, newIfd, 4, big);
        return result;
    }

    private static byte[] entry(int tag, int type, long count, long value, boolean big) {
        ByteArrayOutputStream e = new ByteArrayOutputStream(12);
        write(e, tag, 2, big);
        write(e, type, 2, big);
        write(e, count, 4, big);
        if (type == 3 && count == 1) {
            // A SHORT sits in the first two bytes of the value field.
            write(e, value, 2, big);
            write(e, 0, 2, big);
        } else {
            write(e, value, 4, big);
        }
        return e.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, long value, int size, boolean big) {
        for (int k = 0; k < size; k++) out.write((int) (value >> (8 * (big ? size - 1 - k : k))));
    }


    private static byte[] reverseBits(byte[] b, int from, int count) {
        byte[] out = new byte[count];
        for (int i = 0; i < count; i++) out[i] = (byte) (Integer.reverse(b[from + i] & 0xff) >>> 24);
        return out;
    }

    private static long ceil(long a, long b) {
        return (a + b - 1) / b;
    }

    private static String name(int compression) {
        return compression == ZSTD ? "ZSTD" : compression == LZMA ? "LZMA" : "WebP";
    }
}
