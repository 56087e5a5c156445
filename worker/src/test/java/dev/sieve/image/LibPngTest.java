package dev.sieve.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * libpng's fast path against Pillow's pixels (the goldens of scripts/reference/make_image_goldens.py) and the cases it
 * must leave to ImageIO.
 */
class LibPngTest {

    @Test
    void aMissingLibraryLoadsAsEmpty() {
        assertThat(LibPng.open("sieve-no-such-libpng")).isEmpty();
    }

    @Test
    void decodesEveryEightBitGoldenPngToPillowsPixelsItself() throws Exception {
        LibPng libPng = requireLibPng();
        int native8bit = 0;
        for (ImageGoldenTest.Case c : ImageGoldenTest.cases().toList()) {
            byte[] png = ImageGoldenTest.resource(c.file());
            if (ImageFormat.sniff(png) != ImageFormat.PNG) continue;
            ImageDecoder.PngHeader header = ImageDecoder.PngHeader.read(png);
            int format = LibPng.decodes(png, header.width(), header.height(), header.bitDepth(), header.colourType());
            if (format < 0) continue;

            byte[] pixels = libPng.decode(png, c.width(), c.height(), format);

            assertThat(ImageGoldenTest.sha256(pixels)).as(c.file()).isEqualTo(c.decoded());
            native8bit++;
        }
        // RGB, RGBA, LA and L cases at least; palette, 16-bit and bilevel ones stay with ImageIO.
        assertThat(native8bit).isGreaterThanOrEqualTo(15);
    }

    @Test
    void leavesPalettesSixteenBitsTransparencyAndGammaToImageIo() throws Exception {
        byte[] rgb = ImageGoldenTest.resource("cases/rgb_300x200_upscaled.png");
        assertThat(LibPng.decodes(rgb, 300, 200, 8, 2)).isEqualTo(LibPng.FORMAT_RGB);
        assertThat(LibPng.decodes(rgb, 300, 200, 16, 2)).isEqualTo(-1);
        assertThat(LibPng.decodes(rgb, 300, 200, 8, 3)).isEqualTo(-1);
        assertThat(LibPng.decodes(rgb, 2_000_000, 1, 8, 2)).isEqualTo(-1);
        assertThat(LibPng.decodes(withChunkAfterHeader(rgb, "tRNS", new byte[6]), 300, 200, 8, 2)).isEqualTo(-1);
        assertThat(LibPng.decodes(withChunkAfterHeader(rgb, "gAMA", u32(100000)), 300, 200, 8, 2)).isEqualTo(-1);
        assertThat(LibPng.decodes(withChunkAfterHeader(rgb, "gAMA", u32(45455)), 300, 200, 8, 2))
                .isEqualTo(LibPng.FORMAT_RGB);
    }

    @Test
    void aPngWithANonSrgbGammaDecodesToTheStoredSamplesAsPillowDoes() throws Exception {
        // Pillow ignores gAMA; libpng's simplified API would apply it, so this file must take ImageIO.
        ImageGoldenTest.Case c = golden("cases/rgb_1700x900_tiled_resized_up.png");
        byte[] png = withChunkAfterHeader(ImageGoldenTest.resource(c.file()), "gAMA", u32(100000));

        Pixels pixels = new ImageDecoder(DecodeOptions.defaults()).decode(png);

        assertThat(ImageGoldenTest.sha256(pixels.data())).isEqualTo(c.decoded());
    }

    @Test
    void aBadIdatCrcThatLibpngRefusesFallsBackToImageIo() throws Exception {
        LibPng libPng = requireLibPng();
        ImageGoldenTest.Case c = golden("cases/rgb_700x1000_tiled_no_resize.png");
        byte[] png = ImageGoldenTest.resource(c.file()).clone();
        int idat = indexOf(png, "IDAT");
        long length = u32At(png, idat - 4);
        png[idat + 4 + (int) length] ^= 0x55; // first byte of the IDAT's CRC
        assertThatThrownBy(() -> libPng.decode(png, c.width(), c.height(), LibPng.FORMAT_RGB))
                .isInstanceOf(LibPng.PngException.class);

        Pixels pixels = new ImageDecoder(DecodeOptions.defaults()).decode(png);

        assertThat(ImageGoldenTest.sha256(pixels.data())).isEqualTo(c.decoded());
    }

    private static LibPng requireLibPng() {
        assumeThat(LibPng.load()).as("libpng16-16 installed").isPresent();
        assertThat(new ImageDecoder(DecodeOptions.defaults()).usesLibPng()).isTrue();
        return LibPng.load().orElseThrow();
    }

    private static ImageGoldenTest.Case golden(String file) {
        return ImageGoldenTest.cases().filter(c -> c.file().equals(file)).findFirst().orElseThrow();
    }

    /** The PNG with one more chunk (valid CRC) right after IHDR (8 + 25 bytes). */
    private static byte[] withChunkAfterHeader(byte[] png, String type, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, 33);
        byte[] typeBytes = type.getBytes(StandardCharsets.ISO_8859_1);
        out.writeBytes(u32(data.length));
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(u32(crc.getValue()));
        out.write(png, 33, png.length - 33);
        return out.toByteArray();
    }

    private static byte[] u32(long v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    private static long u32At(byte[] b, int at) {
        return ((long) (b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    private static int indexOf(byte[] b, String type) {
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        outer:
        for (int i = 0; i + t.length <= b.length; i++) {
            for (int j = 0; j < t.length; j++) if (b[i + j] != t[j]) continue outer;
            return i;
        }
        throw new IllegalArgumentException("no " + type);
    }
}
