package dev.sieve.image.decode;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** What sieve reads from a JPEG's marker segments, before and beside decoding it. */
final class JpegMarkers {
    private static final int SOS = 0xda;
    private static final int EOI = 0xd9;

    private JpegMarkers() {
    }

    /** One marker segment: its offset (at its 0xFF), marker byte and length field; false stops the walk. */
    @FunctionalInterface
    interface Visitor {
        boolean visit(int at, int marker, int length);
    }

    /**
     * Visits the segments after SOI up to and including the first scan header (SOS) or an EOI, or until the bytes
     * stop making sense. Returns the offset where it stopped: past the end when the last segment claims more bytes
     * than there are.
     */
    static int walk(byte[] b, Visitor visitor) {
        int at = 2;
        while (at + 4 <= b.length && (b[at] & 0xff) == 0xff) {
            int marker = b[at + 1] & 0xff;
            if (marker == 0xff) { // fill byte
                at++;
                continue;
            }
            int length = ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
            if (!visitor.visit(at, marker, length) || marker == SOS || marker == EOI) return at;
            at += 2 + length;
        }
        return at;
    }

    /**
     * The frame header's sample precision, size and component count, and the Adobe APP14 colour transform (-1: none).
     */
    record Frame(int precision, int height, int width, int components, int adobeTransform) {}

    /** The first frame header, or null when none comes before the first scan. */
    static Frame frame(byte[] b) {
        int[] adobe = {-1};
        Frame[] frame = {null};
        walk(b, (at, marker, length) -> {
            if (marker == 0xee && length >= 12 && at + 15 < b.length
                    && new String(b, at + 4, 5, StandardCharsets.ISO_8859_1).equals("Adobe")) {
                adobe[0] = b[at + 15] & 0xff;
            }
            boolean sof = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
            if (sof && at + 9 < b.length) {
                frame[0] = new Frame(b[at + 4] & 0xff, ((b[at + 5] & 0xff) << 8) | (b[at + 6] & 0xff),
                        ((b[at + 7] & 0xff) << 8) | (b[at + 8] & 0xff), b[at + 9] & 0xff, adobe[0]);
            }
            return frame[0] == null;
        });
        return frame[0];
    }

    /**
     * Where Pillow's JPEG plugin gives up while reading the header (a SyntaxError, IndexError or struct.error, so no
     * plugin identifies the file): NOT_AN_IMAGE, before either decoder sees it, which would call it corrupt. That is a
     * marker Pillow does not know, a header that ends (at a segment boundary, or in a marker or length field) or
     * reaches EOI before any scan, a scan without a frame header, and a frame other than 8-bit, 1, 3 or 4 components
     * and a non-empty size. A segment that runs past the end is Pillow's "Truncated File Read": the decoders' corrupt.
     */
    static void checkPillowOpens(byte[] b) throws StageException {
        int[] stop = {0};
        int end = walk(b, (at, marker, length) -> {
            stop[0] = marker;
            return marker >= 0xc0 || marker == 0;
        });
        if (stop[0] != 0 && stop[0] < 0xc0) {
            throw notAnImage(String.format("JPEG marker 0xFF%02X, which Pillow does not know, before the first scan",
                    stop[0]));
        }
        if (stop[0] == EOI || stop[0] != SOS && end <= b.length && end > b.length - 4) {
            throw notAnImage("JPEG header ends before any scan (" + b.length + " bytes): Pillow identifies no image");
        }
        Frame f = frame(b);
        if (f == null) {
            if (stop[0] == SOS) throw notAnImage("JPEG scan without a frame header: Pillow identifies no image");
            return;
        }
        if (f.precision() != 8) {
            throw notAnImage("JPEG with " + f.precision() + "-bit samples: Pillow identifies no image in it (it"
                    + " reads 8-bit JPEGs only)");
        }
        if (f.components() != 1 && f.components() != 3 && f.components() != 4) {
            throw notAnImage("JPEG with " + f.components() + " components: Pillow identifies no image in it (it"
                    + " reads 1, 3 or 4)");
        }
        if (f.width() == 0 || f.height() == 0) {
            throw notAnImage("JPEG frame header gives an empty size " + f.width() + "x" + f.height()
                    + ": Pillow identifies no image in it");
        }
    }

    /**
     * The JPEG without its APP2 ICC_PROFILE segments, for ImageIO, which would otherwise convert the pixels from the
     * profile to sRGB: Pillow keeps the profile in {@code info} and never applies it. The bytes themselves when there
     * is none.
     */
    static byte[] withoutIccProfile(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
        int[] copied = {0};
        walk(b, (at, marker, length) -> {
            if (marker == 0xe2 && at + 16 <= b.length
                    && new String(b, at + 4, 12, StandardCharsets.ISO_8859_1).equals("ICC_PROFILE\0")) {
                out.write(b, copied[0], at - copied[0]);
                copied[0] = Math.min(b.length, at + 2 + length);
            }
            return true;
        });
        if (copied[0] == 0) return b;
        out.write(b, copied[0], b.length - copied[0]);
        return out.toByteArray();
    }

    /**
     * True when no EOI marker follows the first scan header: the stream ran out before libjpeg was done (libjpeg
     * reading from memory then invents the EOI and warns). Entropy-coded data cannot hold an EOI, so any one found
     * after the scan header is where the file meant to end.
     */
    static boolean endsBeforeEoi(byte[] b) {
        int[] sos = {-1};
        walk(b, (at, marker, length) -> {
            if (marker == SOS) sos[0] = at;
            return true;
        });
        if (sos[0] < 0) return true;
        for (int i = sos[0] + 2; i + 1 < b.length; i++) {
            if ((b[i] & 0xff) == 0xff && (b[i + 1] & 0xff) == EOI) return false;
        }
        return true;
    }

    private static StageException notAnImage(String message) {
        return new StageException(Stage.DECODE, FailureCode.NOT_AN_IMAGE, message);
    }
}
