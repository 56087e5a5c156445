package dev.sieve.image.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * TIFF directories that lie: every count and offset is checked against the file before anything is allocated for
 * it, so each lie is a coded failure (a 2^30-entry array read first would be an OutOfMemoryError here, not a record).
 * The files the reference itself was run on (cycles, truncated strips, huge sizes) are in {@link TiffFidelityTest}.
 */
class HostileTiffTest {
    private static final int W = 16;
    private static final int H = 8;

    @Test
    void decodesAnHonestSmallTiff() throws Exception {
        Pixels pixels = decode(tiff(Map.of()));

        assertThat(pixels.mode()).isEqualTo(PillowMode.L);
        assertThat(pixels.data()[W * H - 1]).isEqualTo((byte) (W * H - 1));
    }

    @Test
    void refusesStripOffsetsClaimingAGigaEntryArray() {
        // 2^30 LONG offsets "at" byte 8: 4 GiB of values in a 200-byte file.
        assertRefused(tiff(Map.of(273, new int[] {4, 1 << 30, 8})), FailureCode.CORRUPT_IMAGE, "run past the end");
    }

    @Test
    void refusesAColorMapLongerThanAnyPalette() {
        assertRefused(tiff(Map.of(262, new int[] {3, 1, 3}, 320, new int[] {3, 0x7fffffff, 8})),
                FailureCode.CORRUPT_IMAGE, "");
    }

    @Test
    void refusesADirectoryWhoseEntriesRunPastTheEnd() {
        byte[] b = tiff(Map.of());
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(8, (short) 0xFFFF);

        assertRefused(b, FailureCode.CORRUPT_IMAGE, "entries run past the end");
    }

    @Test
    void refusesThousandsOfBitsPerSampleValues() {
        // 40 values lie inside the file; no sample count is that high.
        assertRefused(tiff(Map.of(258, new int[] {3, 40, 8})), FailureCode.CORRUPT_IMAGE, "BitsPerSample");
    }

    @Test
    void refusesTooManySamplesPerPixelAsPillowDoes() {
        assertRefused(tiff(Map.of(277, new int[] {3, 1, 7})), FailureCode.UNSUPPORTED_FORMAT,
                "samples per pixel");
    }

    @Test
    void refusesASizeOverTheLimitBeforeDecoding() {
        // 65535 x 65535 = 4.3 G pixels: refused from the header, nothing allocated for it.
        assertRefused(tiff(Map.of(256, new int[] {4, 1, 65535}, 257, new int[] {4, 1, 65535})),
                FailureCode.TOO_MANY_PIXELS, "");
    }

    @Test
    void refusesAStripStartingPastTheEnd() {
        assertRefused(tiff(Map.of(273, new int[] {4, 1, 1 << 30})), FailureCode.CORRUPT_IMAGE, "past the end");
    }

    @Test
    void decodesAnHonestSmallBigTiff() throws Exception {
        Pixels pixels = decode(bigTiff(6, 1, W * H));

        assertThat(pixels.mode()).isEqualTo(PillowMode.L);
        assertThat(pixels.data()[W * H - 1]).isEqualTo((byte) (W * H - 1));
    }

    @Test
    void refusesABigTiffClaimingBillionsOfEntries() {
        assertRefused(bigTiff(1L << 40, 1, W * H), FailureCode.CORRUPT_IMAGE, "does not fit the file");
    }

    @Test
    void refusesABigTiffCountPastAnyFile() {
        // The strip byte count is a LONG8 holding 2^40: no 4 GB classic file could say it.
        assertRefused(bigTiff(6, 1, 1L << 40), FailureCode.CORRUPT_IMAGE, "past any 4 GB file");
    }

    @Test
    void refusesABigTiffTagWithMoreValuesThanTheFile() {
        assertRefused(bigTiff(6, 1L << 62, W * H), FailureCode.CORRUPT_IMAGE, "more than the file holds");
    }

    @Test
    @org.junit.jupiter.api.Timeout(60) // a guard against the old behaviour's minutes, not a measurement
    void readsAnUncompressedYCbCrOfAQuarterMillionStripsOverOneRowOnce() throws Exception {
        // Pillow reads each of the 200,000 strips (256 KB of "RGBX" each, the same row every time) and keeps the
        // last: 51 GB of reading for one row of pixels. sieve copies the strip Pillow keeps.
        int w = 65536;
        int n = 200_000;
        int dataAt = 8 + 2 + 12 * 9 + 4;
        ByteBuffer b = ByteBuffer.allocate(dataAt + 4 * n).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {'I', 'I', 42, 0}).putInt(8).putShort((short) 9);
        int[][] tags = {{256, 4, 1, w}, {257, 4, 1, 1}, {258, 3, 1, 8}, {259, 3, 1, 1}, {262, 3, 1, 6},
                {273, 4, n, dataAt}, {277, 3, 1, 3}, {278, 4, 1, 1}, {279, 4, n, dataAt}};
        for (int[] t : tags) {
            b.putShort((short) t[0]).putShort((short) t[1]).putInt(t[2]);
            if (t[1] == 3) b.putShort((short) t[3]).putShort((short) 0);
            else b.putInt(t[3]);
        }
        b.putInt(0);
        for (int i = 0; i < n; i++) b.putInt(dataAt);

        Pixels pixels = decode(b.array());

        assertThat(pixels.mode()).isEqualTo(PillowMode.RGB);
        assertThat(pixels.width()).isEqualTo(w);
        // Bytes 0..2 of the first four: the first offset, dataAt (126) as a little-endian int.
        assertThat(pixels.data()[0]).isEqualTo((byte) dataAt);
    }

    /** Debian's libzstd's one-shot compressor, to make the bombs below (the decoder side is TiffCodecs'). */
    interface ZstdCompress extends com.sun.jna.Library {
        long ZSTD_compress(byte[] dst, long capacity, byte[] src, long size, int level);
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aZstdStripThatInflatesTo64MiBCostsOnlyTheRowsLibtiffAsksFor() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(TiffCodecs.zstdLoaded(), "libzstd1 installed");
        ZstdCompress z = com.sun.jna.Native.load("zstd", ZstdCompress.class);
        byte[] sevens = new byte[64 << 20];
        java.util.Arrays.fill(sevens, (byte) 7);
        byte[] frame = new byte[1 << 20];
        long n = z.ZSTD_compress(frame, frame.length, sevens, sevens.length, 1);
        assertThat(n).isBetween(1L, (long) frame.length);

        // libtiff stops decoding once the strip's 128 bytes are there, and takes the strip: so does sieve.
        Pixels pixels = decode(codecTiff(50000, 0, java.util.Arrays.copyOf(frame, (int) n)));

        assertThat(pixels.data()).hasSize(W * H).containsOnly((byte) 7);
    }

    @Test
    void refusesAZstdFrameAskingFor2GiBOfWindowAsLibtiffFailsIt() {
        org.junit.jupiter.api.Assumptions.assumeTrue(TiffCodecs.zstdLoaded(), "libzstd1 installed");
        // Magic, a descriptor with no content size, a window of 2^31 (over zstd's default limit of 2^27).
        byte[] frame = {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD, 0x00, (byte) 0xA8, 0, 0, 0, 0};

        assertRefused(codecTiff(50000, 0, frame), FailureCode.CORRUPT_IMAGE, "ZSTD strip or tile 0 decodes to -1");
    }

    @Test
    void refusesTilesThatCoverFarMoreThanTheImageBeforeDecodingThem() {
        org.junit.jupiter.api.Assumptions.assumeTrue(TiffCodecs.zstdLoaded(), "libzstd1 installed");
        // One 16384 x 16384 tile (256 MiB of samples) for a 16 x 8 image.
        assertRefused(codecTiff(50000, 16384, new byte[16]), FailureCode.TOO_MANY_PIXELS, "strips or tiles hold");
    }

    @Test
    void refusesCompressionsPillowCannotIdentifyAsUnsupported() {
        // JBIG (34661) and LERC (34887) are not in Pillow 9.4's COMPRESSION_INFO: "cannot identify image file".
        assertRefused(codecTiff(34661, 0, new byte[16]), FailureCode.UNSUPPORTED_FORMAT, "JBIG");
        assertRefused(codecTiff(34887, 0, new byte[16]), FailureCode.UNSUPPORTED_FORMAT, "LERC");
    }

    /** A little-endian 16 x 8 8-bit grey TIFF with one strip (or, with tile > 0, one square tile) of {@code data}. */
    private static byte[] codecTiff(int compression, int tile, byte[] data) {
        int[][] tags = tile > 0
                ? new int[][] {{256, 4, 1, W}, {257, 4, 1, H}, {258, 3, 1, 8}, {259, 3, 1, compression},
                        {262, 3, 1, 1}, {277, 3, 1, 1}, {322, 4, 1, tile}, {323, 4, 1, tile}, {324, 4, 1, 0},
                        {325, 4, 1, data.length}}
                : new int[][] {{256, 4, 1, W}, {257, 4, 1, H}, {258, 3, 1, 8}, {259, 3, 1, compression},
                        {262, 3, 1, 1}, {273, 4, 1, 0}, {277, 3, 1, 1}, {278, 4, 1, H}, {279, 4, 1, data.length}};
        int dataAt = 8 + 2 + 12 * tags.length + 4;
        ByteBuffer b = ByteBuffer.allocate(dataAt + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {'I', 'I', 42, 0}).putInt(8).putShort((short) tags.length);
        for (int[] t : tags) {
            b.putShort((short) t[0]).putShort((short) t[1]).putInt(t[2]);
            int value = t[0] == 273 || t[0] == 324 ? dataAt : t[3];
            if (t[1] == 3) b.putShort((short) value).putShort((short) 0);
            else b.putInt(value);
        }
        b.putInt(0).put(data);
        return b.array();
    }

    /**
     * A little-endian BigTIFF of the same 16 x 8 grey strip: six entries (size, bits, photometric, strip offset and
     * byte count as LONG8) whose entry count, strip-offset value count and strip byte count can lie.
     */
    private static byte[] bigTiff(long entries, long offsetCount, long stripBytes) {
        ByteBuffer b = ByteBuffer.allocate(16 + 8 + 6 * 20 + 8 + W * H).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'I').put((byte) 'I').putShort((short) 43).putShort((short) 8).putShort((short) 0).putLong(16);
        b.putLong(entries);
        int dataAt = 16 + 8 + 6 * 20 + 8;
        long[][] tags = {{256, 3, 1, W}, {257, 3, 1, H}, {258, 3, 1, 8}, {262, 3, 1, 1}, {273, 16, offsetCount, dataAt},
                {279, 16, 1, stripBytes}};
        for (long[] t : tags) b.putShort((short) t[0]).putShort((short) t[1]).putLong(t[2]).putLong(t[3]);
        b.putLong(0);
        for (int i = 0; i < W * H; i++) b.put((byte) i);
        return b.array();
    }

    private static Pixels decode(byte[] b) throws StageException {
        return new ImageDecoder(DecodeOptions.defaults()).decode(b);
    }

    private static void assertRefused(byte[] b, FailureCode code, String message) {
        StageException e = catchThrowableOfType(() -> decode(b), StageException.class);

        assertThat(e).isNotNull();
        assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
        assertThat(e.getMessage()).contains(message);
    }

    /**
     * A little-endian 16 x 8 8-bit grey TIFF, one uncompressed strip of the values 0..127, whose entries
     * {@code override} replaces or adds: tag to {type, count, value-or-offset}.
     */
    private static byte[] tiff(Map<Integer, int[]> override) {
        Map<Integer, int[]> tags = new TreeMap<>();
        int ifdSize = 2 + 12 * 12 + 4;
        int dataAt = 8 + ifdSize;
        tags.put(256, new int[] {4, 1, W});
        tags.put(257, new int[] {4, 1, H});
        tags.put(258, new int[] {3, 1, 8});
        tags.put(259, new int[] {3, 1, 1});
        tags.put(262, new int[] {3, 1, 1});
        tags.put(273, new int[] {4, 1, dataAt});
        tags.put(277, new int[] {3, 1, 1});
        tags.put(278, new int[] {4, 1, H});
        tags.put(279, new int[] {4, 1, W * H});
        tags.putAll(override);
        ByteBuffer b = ByteBuffer.allocate(dataAt + W * H).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {'I', 'I', 42, 0}).putInt(8).putShort((short) tags.size());
        tags.forEach((tag, v) -> {
            b.putShort(tag.shortValue()).putShort((short) v[0]).putInt(v[1]);
            if (v[0] == 3 && v[1] == 1) {
                b.putShort((short) v[2]).putShort((short) 0);
            } else {
                b.putInt(v[2]);
            }
        });
        b.putInt(0);
        b.position(dataAt);
        for (int i = 0; i < W * H; i++) b.put((byte) i);
        return b.array();
    }
}
