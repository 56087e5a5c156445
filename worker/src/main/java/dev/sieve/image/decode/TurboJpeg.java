package dev.sieve.image.decode;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import dev.sieve.StageException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * libjpeg-turbo's TurboJPEG API (Debian's {@code libturbojpeg0}) through JNA, loaded once. It decodes with the same
 * library and defaults as Pillow 9.4 on Debian (libjpeg62-turbo: accurate integer IDCT, fancy upsampling), so
 * full-size output matches the reference's pixels, and it can decode straight to a smaller size in the DCT domain
 * (M/8 scaling), which ImageIO cannot. {@link #load()} is empty when the library is absent; callers then fall back to
 * ImageIO. System property {@code sieve.turbojpeg.library} names another library (tests use a missing name).
 */
final class TurboJpeg {
    static final String LIBRARY_PROPERTY = "sieve.turbojpeg.library";
    static final int PF_RGB = 0;
    static final int PF_GRAY = 6;
    static final int PF_CMYK = 11;
    static final int CS_GRAY = 2;
    static final int CS_CMYK = 3;
    static final int CS_YCCK = 4;

    /** The subset of turbojpeg.h that decoding needs. */
    interface Api extends Library {
        Pointer tjInitDecompress();

        int tjDecompressHeader3(Pointer handle, byte[] jpeg, NativeLong size, IntByReference width,
                IntByReference height, IntByReference subsamp, IntByReference colorspace);

        Pointer tjGetScalingFactors(IntByReference count);

        int tjDecompress2(Pointer handle, byte[] jpeg, NativeLong size, Pointer dst, int width, int pitch, int height,
                int pixelFormat, int flags);

        int tjDestroy(Pointer handle);

        /** 0: the last error was a warning (the image was decoded), 1: fatal. */
        int tjGetErrorCode(Pointer handle);

        String tjGetErrorStr2(Pointer handle);
    }

    /** One DCT scaling factor, num/denom (libjpeg-turbo offers M/8 for M = 1..16). */
    record Scale(int num, int denom) {
        static final Scale ONE = new Scale(1, 1);

        /** TJSCALED: ceil(dimension * num / denom). */
        int scaled(int dimension) {
            return (int) (((long) dimension * num + denom - 1) / denom);
        }
    }

    record Header(int width, int height, int colorspace) {}

    private static final Optional<TurboJpeg> INSTANCE = open(System.getProperty(LIBRARY_PROPERTY, "turbojpeg"));

    private final Api api;
    private final List<Scale> downScales;

    private TurboJpeg(Api api) {
        this.api = api;
        IntByReference n = new IntByReference();
        Pointer p = api.tjGetScalingFactors(n);
        List<Scale> scales = new ArrayList<>();
        for (int i = 0; i < n.getValue(); i++) {
            Scale s = new Scale(p.getInt(8L * i), p.getInt(8L * i + 4));
            if (s.num() < s.denom()) scales.add(s);
        }
        this.downScales = List.copyOf(scales);
    }

    /** The library, or empty (with the reason on stderr once) when it cannot be loaded. */
    static Optional<TurboJpeg> load() {
        return INSTANCE;
    }

    /** Loads the named library (JNA's naming: "turbojpeg" finds libturbojpeg.so.0). */
    static Optional<TurboJpeg> open(String name) {
        try {
            return Optional.of(new TurboJpeg(Native.load(name, Api.class)));
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            System.err.println("sieve: libjpeg-turbo (TurboJPEG, library '" + name + "') not loaded, JPEGs are"
                    + " decoded with ImageIO (slower): " + e.getMessage());
            return Optional.empty();
        }
    }

    /** Scaling factors below 1, as the library lists them. */
    List<Scale> downScales() {
        return downScales;
    }

    /** A decompressor handle for one image; not thread-safe, close it (tjDestroy) when done. */
    Decompressor decompressor() {
        Pointer handle = api.tjInitDecompress();
        if (handle == null) throw new IllegalStateException("tjInitDecompress failed: " + api.tjGetErrorStr2(null));
        return new Decompressor(handle);
    }

    final class Decompressor implements AutoCloseable {
        private final Pointer handle;

        private Decompressor(Pointer handle) {
            this.handle = handle;
        }

        /** The header, or an exception whose message is the library's. */
        Header header(byte[] jpeg) throws TurboException {
            IntByReference w = new IntByReference();
            IntByReference h = new IntByReference();
            IntByReference sub = new IntByReference();
            IntByReference cs = new IntByReference();
            if (api.tjDecompressHeader3(handle, jpeg, new NativeLong(jpeg.length), w, h, sub, cs) != 0) {
                throw new TurboException(api.tjGetErrorStr2(handle));
            }
            return new Header(w.getValue(), h.getValue(), cs.getValue());
        }

        /**
         * Decodes to width x height (a size one of the scaling factors gives) into interleaved RGB, grey or CMYK bytes.
         * A fatal error throws; a warning (corrupt data libjpeg decoded through, or a stream that ended early, which
         * the library fills in) is handed to {@code warned}, which may throw, and the pixels are kept otherwise.
         */
        byte[] decode(byte[] jpeg, int width, int height, int pixelFormat, WarningCheck warned)
                throws TurboException, StageException {
            int channels = pixelFormat == PF_GRAY ? 1 : pixelFormat == PF_CMYK ? 4 : 3;
            long size = Math.multiplyExact(Math.multiplyExact((long) width, height), channels);
            try (ScratchMemory.Lease dst = ScratchMemory.DECODED.lease(size)) {
                if (api.tjDecompress2(handle, jpeg, new NativeLong(jpeg.length), dst.memory(), width, width * channels,
                        height, pixelFormat, 0) != 0) {
                    String message = api.tjGetErrorStr2(handle);
                    if (api.tjGetErrorCode(handle) != 0 || !isWarning(message)) throw new TurboException(message);
                    warned.check(message);
                }
                return dst.memory().getByteArray(0, (int) size);
            }
        }

        /**
         * tjGetErrorCode says "warning" for a fatal error that came after a warning, but the message is then the
         * fatal one: only libjpeg's own warning texts (jerror.h, JWRN_*) count as warnings.
         */
        private static boolean isWarning(String message) {
            return message != null && (message.startsWith("Corrupt JPEG data") || message.equals(
                    "Premature end of JPEG file") || message.startsWith("Inconsistent progression sequence")
                    || message.equals("Invalid SOS parameters for sequential JPEG")
                    || message.startsWith("Unknown Adobe color transform code")
                    || message.startsWith("Warning: unknown JFIF revision number"));
        }

        @Override
        public void close() {
            api.tjDestroy(handle);
        }
    }

    @FunctionalInterface
    interface WarningCheck {
        void check(String libjpegMessage) throws StageException;
    }

    static final class TurboException extends Exception {
        TurboException(String message) {
            super(message);
        }
    }
}
