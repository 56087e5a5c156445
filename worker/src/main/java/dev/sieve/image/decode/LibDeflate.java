package dev.sieve.image.decode;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import java.util.Optional;

/**
 * libdeflate's one-shot zlib decompressor (Debian's {@code libdeflate0}) through JNA, loaded once: it inflates a PNG's
 * image data about twice as fast as zlib, which Pillow and ImageIO use and which dominates their PNG decoding. Same
 * output bytes (deflate is lossless), checksum checked. {@link #load()} is empty when the library is absent; callers
 * then inflate with {@link java.util.zip.Inflater}. System property {@code sieve.libdeflate.library} names another
 * library (tests use a missing name).
 */
final class LibDeflate {
    static final String LIBRARY_PROPERTY = "sieve.libdeflate.library";

    /** The subset of libdeflate.h that decompressing needs. */
    interface Api extends Library {
        Pointer libdeflate_alloc_decompressor();

        int libdeflate_zlib_decompress(Pointer decompressor, Pointer in, long inBytes, Pointer out, long outBytes,
                LongByReference actualOut);

        void libdeflate_free_decompressor(Pointer decompressor);
    }

    private static final Optional<LibDeflate> INSTANCE = open(System.getProperty(LIBRARY_PROPERTY, "deflate"));

    private final Api api;

    private LibDeflate(Api api) {
        this.api = api;
    }

    /** The library, or empty (with the reason on stderr once) when it cannot be loaded. */
    static Optional<LibDeflate> load() {
        return INSTANCE;
    }

    /** Loads the named library (JNA's naming: "deflate" finds libdeflate.so.0). */
    static Optional<LibDeflate> open(String name) {
        try {
            return Optional.of(new LibDeflate(Native.load(name, Api.class)));
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            System.err.println("sieve: libdeflate (library '" + name + "') not loaded, PNG data is inflated with"
                    + " java.util.zip (slower): " + e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Inflates a whole zlib stream that must produce exactly {@code outBytes} bytes into {@code out}. Throws with
     * libdeflate's result code on bad data, a bad checksum or any other output size.
     */
    void inflate(Pointer zlib, long inBytes, Pointer out, long outBytes) throws java.util.zip.DataFormatException {
        Pointer d = api.libdeflate_alloc_decompressor();
        if (d == null) throw new IllegalStateException("libdeflate_alloc_decompressor failed");
        try {
            LongByReference actual = new LongByReference();
            int result = api.libdeflate_zlib_decompress(d, zlib, inBytes, out, outBytes, actual);
            // 0 SUCCESS, 1 BAD_DATA, 2 SHORT_OUTPUT (never with actual != null), 3 INSUFFICIENT_SPACE.
            if (result != 0 || actual.getValue() != outBytes) {
                throw new java.util.zip.DataFormatException("libdeflate result " + result + ", " + actual.getValue()
                        + " of " + outBytes + " bytes");
            }
        } finally {
            api.libdeflate_free_decompressor(d);
        }
    }

    /**
     * libtiff's ZIPDecode through libdeflate (what Debian's libtiff does when a whole strip is asked for): inflates
     * {@code in[from, from + count)} into {@code out[0, need)}, leaving there whatever libdeflate wrote even when the
     * data is bad, over what {@code out} held (libtiff decodes into a buffer it may reuse). Returns libdeflate's
     * result: 0 SUCCESS (a whole stream of exactly that size), 3 INSUFFICIENT_SPACE (a stream that goes on; libtiff
     * takes both as decoded), else the data is bad or short.
     */
    int inflateStrip(byte[] in, int from, int count, byte[] out, int need) {
        Pointer d = api.libdeflate_alloc_decompressor();
        if (d == null) throw new IllegalStateException("libdeflate_alloc_decompressor failed");
        try (com.sun.jna.Memory src = new com.sun.jna.Memory(Math.max(1, count));
             com.sun.jna.Memory dst = new com.sun.jna.Memory(Math.max(1, need))) {
            src.write(0, in, from, count);
            dst.write(0, out, 0, need);
            int result = api.libdeflate_zlib_decompress(d, src, count, dst, need, null);
            dst.read(0, out, 0, need);
            return result;
        } finally {
            api.libdeflate_free_decompressor(d);
        }
    }
}
