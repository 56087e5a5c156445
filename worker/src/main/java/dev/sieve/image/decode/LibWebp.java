package dev.sieve.image.decode;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import java.util.Optional;

/**
 * libwebp (Debian's {@code libwebp7} and {@code libwebpdemux2}, the libraries Pillow 9.4 is built with) through JNA,
 * decoding a WebP file the way Pillow's WebPImagePlugin opens it: every file, still or animated, goes through
 * {@code WebPAnimDecoder} with its default options (RGBA output, the first frame composed onto a canvas of
 * transparent black — the file's background colour is only a hint), and the mode is "RGBA" unless
 * {@code WebPGetFeatures} reads the file and says it has no alpha, then "RGB" (the fourth byte dropped: Pillow's
 * rawmode "RGBX"). {@link #load()} is empty when either library is absent; WebP files are then refused. System
 * property {@code sieve.libwebp.library} names another decode library (tests use a missing name).
 */
final class LibWebp {
    static final String LIBRARY_PROPERTY = "sieve.libwebp.library";
    // decode.h and demux.h of libwebp 1.x; the library checks only the major byte.
    private static final int DECODER_ABI_VERSION = 0x0209;
    private static final int DEMUX_ABI_VERSION = 0x0107;
    private static final int WEBP_FF_CANVAS_WIDTH = 1;
    private static final int WEBP_FF_CANVAS_HEIGHT = 2;

    /** The subset of decode.h that sniffing the mode needs. */
    interface Decode extends Library {
        /** WebPBitstreamFeatures: width, height, has_alpha, has_animation, format, 5 x padding (40 bytes). */
        int WebPGetFeaturesInternal(Pointer data, long size, Pointer features, int version);
    }

    /** The subset of demux.h that WebPAnimDecoder needs. */
    interface Demux extends Library {
        Pointer WebPDemuxInternal(Pointer webpData, int allowPartial, Pointer state, int version);

        int WebPDemuxGetI(Pointer demux, int feature);

        void WebPDemuxDelete(Pointer demux);

        Pointer WebPAnimDecoderNewInternal(Pointer webpData, Pointer options, int version);

        int WebPAnimDecoderGetNext(Pointer decoder, PointerByReference buf, IntByReference timestamp);

        void WebPAnimDecoderDelete(Pointer decoder);
    }

    /** Called with the canvas size once the container has been read, before the canvas is allocated. */
    @FunctionalInterface
    interface CanvasCheck {
        void check(int width, int height) throws StageException;
    }

    private static final Optional<LibWebp> INSTANCE = open(System.getProperty(LIBRARY_PROPERTY, "webp"), "webpdemux");

    private final Decode decode;
    private final Demux demux;

    private LibWebp(Decode decode, Demux demux) {
        this.decode = decode;
        this.demux = demux;
    }

    /** The libraries, or empty (with the reason on stderr once) when they cannot be loaded. */
    static Optional<LibWebp> load() {
        return INSTANCE;
    }

    /** Loads the named libraries (JNA's naming: "webp" finds libwebp.so.7, "webpdemux" libwebpdemux.so.2). */
    static Optional<LibWebp> open(String decodeName, String demuxName) {
        try {
            return Optional.of(new LibWebp(Native.load(decodeName, Decode.class), Native.load(demuxName, Demux.class)));
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            System.err.println("sieve: libwebp (libraries '" + decodeName + "', '" + demuxName + "') not loaded, WebP"
                    + " images are refused: " + e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The first frame as Pillow 9.4 gives it. {@code check} sees the canvas size after the container parsed and
     * before WebPAnimDecoder allocates its two canvases (8 bytes a pixel). Pillow's failures map as its plugin raises
     * them: a container WebPAnimDecoder refuses ("could not create decoder object") and a frame it cannot decode
     * ("failed to read next frame") are CORRUPT_IMAGE.
     */
    Pixels decode(byte[] encoded, CanvasCheck check) throws StageException {
        try (Memory data = new Memory(Math.max(1, encoded.length)); Memory webpData = new Memory(16)) {
            data.write(0, encoded, 0, encoded.length);
            webpData.setPointer(0, data);
            webpData.setLong(8, encoded.length);
            boolean alpha = hasAlpha(data, encoded.length);

            Pointer dmux = demux.WebPDemuxInternal(webpData, 0, null, DEMUX_ABI_VERSION);
            if (dmux == null) throw corrupt("could not create decoder object (the container does not parse)");
            int width;
            int height;
            try {
                width = demux.WebPDemuxGetI(dmux, WEBP_FF_CANVAS_WIDTH);
                height = demux.WebPDemuxGetI(dmux, WEBP_FF_CANVAS_HEIGHT);
            } finally {
                demux.WebPDemuxDelete(dmux);
            }
            check.check(width, height);

            Pointer decoder = demux.WebPAnimDecoderNewInternal(webpData, null, DEMUX_ABI_VERSION);
            if (decoder == null) throw corrupt("could not create decoder object");
            try {
                PointerByReference frame = new PointerByReference();
                if (demux.WebPAnimDecoderGetNext(decoder, frame, new IntByReference()) == 0) {
                    throw corrupt("failed to read next frame");
                }
                return alpha ? rgba(frame.getValue(), width, height) : rgbx(frame.getValue(), width, height);
            } finally {
                demux.WebPAnimDecoderDelete(decoder);
            }
        }
    }

    /** Pillow's mode sniff: RGBA unless WebPGetFeatures succeeds and says there is no alpha. */
    private boolean hasAlpha(Pointer data, long size) {
        try (Memory features = new Memory(40)) {
            features.clear();
            if (decode.WebPGetFeaturesInternal(data, size, features, DECODER_ABI_VERSION) != 0) return true;
            return features.getInt(8) != 0;
        }
    }

    private static Pixels rgba(Pointer canvas, int width, int height) {
        byte[] out = canvas.getByteArray(0, Math.multiplyExact(Math.multiplyExact(width, height), 4));
        return new Pixels(width, height, PillowMode.RGBA, out);
    }

    /** Rows read a strip at a time, so RGB never needs a whole 4-byte copy beside the 3-byte one. */
    private static Pixels rgbx(Pointer canvas, int width, int height) {
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(width, height), 3)];
        int rowsPerStrip = Math.max(1, (1 << 20) / (width * 4));
        byte[] strip = new byte[Math.min(height, rowsPerStrip) * width * 4];
        for (int y = 0; y < height; y += rowsPerStrip) {
            int rows = Math.min(rowsPerStrip, height - y);
            canvas.read((long) y * width * 4, strip, 0, rows * width * 4);
            for (int s = 0, d = y * width * 3, n = rows * width; n > 0; n--, s += 4, d += 3) {
                out[d] = strip[s];
                out[d + 1] = strip[s + 1];
                out[d + 2] = strip[s + 2];
            }
        }
        return new Pixels(width, height, PillowMode.RGB, out);
    }

    private static StageException corrupt(String pillowsWords) {
        return new StageException(Stage.DECODE, FailureCode.CORRUPT_IMAGE, "WebP: " + pillowsWords);
    }
}
