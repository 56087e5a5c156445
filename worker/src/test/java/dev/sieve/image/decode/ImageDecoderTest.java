package dev.sieve.image.decode;

import dev.sieve.image.ImageGoldenTest;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.PillowMode;
import dev.sieve.image.PixelBudget;
import dev.sieve.image.Pixels;
import dev.sieve.image.PreparedImage;
import dev.sieve.image.clip.ClipPreprocessing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

public class ImageDecoderTest {
    private final ImagePreparer preparer =
            new ImagePreparer(ClipPreprocessing.openaiClip336(), DecodeOptions.defaults(), true);

    @Test
    void refusesAnImageThatCostsMoreThanTheWholePixelBudgetInsteadOfDecodingItAlone() throws Exception {
        // 300x200 16-bit RGB: its 8-bit pixels, 60,000 pixels' worth of memory, and the decoder's two row buffers of
        // 1,801 bytes (901 pixels' worth); the 16-bit rows are inflated one at a time, never held whole.
        byte[] sixteen = ImageGoldenTest.resource("cases/rgb16_300x200.png");
        ImageDecoder decoder = new ImageDecoder(DecodeOptions.defaults());
        PixelBudget small = new PixelBudget(60_900);
        try (PixelBudget.Share share = small.share()) {
            assertThatThrownBy(() -> decoder.decode(sixteen, null, share))
                    .isInstanceOfSatisfying(StageException.class, e -> {
                        assertThat(e.stage()).isEqualTo(Stage.DECODE);
                        assertThat(e.code()).isEqualTo(FailureCode.TOO_MANY_PIXELS);
                        assertThat(e.getMessage()).contains("--pixel-budget-mp");
                    });
        }
        assertThat(small.available()).as("nothing kept").isEqualTo(60_900);
        PixelBudget enough = new PixelBudget(60_901);
        try (PixelBudget.Share share = enough.share()) {
            assertThat(decoder.decode(sixteen, null, share).pixels().width()).isEqualTo(300);
        }
    }

    @Test
    void rejectsDecompressionBomb() {
        // A 100000 x 100000 RGB PNG header with no pixel data: refused from the header, nothing allocated.
        byte[] png = pngHeaderOnly(100_000, 100_000);

        assertThatThrownBy(() -> preparer.prepare(png, false))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.stage()).isEqualTo(Stage.DECODE);
                    assertThat(e.code()).isEqualTo(FailureCode.TOO_MANY_PIXELS);
                    assertThat(e.getMessage()).contains("100000x100000");
                });
    }

    @Test
    void rejectsAJpegOverTheConfiguredPixelLimitBeforeDecoding() throws Exception {
        byte[] jpeg = encode(new BufferedImage(200, 100, BufferedImage.TYPE_3BYTE_BGR), "jpeg");
        ImagePreparer small = new ImagePreparer(ClipPreprocessing.openaiClip336(), new DecodeOptions(19_999, false), true);

        assertThatThrownBy(() -> small.prepare(jpeg, false))
                .isInstanceOfSatisfying(StageException.class,
                        e -> assertThat(e.code()).isEqualTo(FailureCode.TOO_MANY_PIXELS));
    }

    @Test
    void notAnImage() {
        byte[] html = "<!doctype html><html><body>404</body></html>".getBytes();

        assertThatThrownBy(() -> preparer.prepare(html, false))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.stage()).isEqualTo(Stage.DECODE);
                    assertThat(e.code()).isEqualTo(FailureCode.NOT_AN_IMAGE);
                });
    }

    @Test
    void truncatedPngIsCorrupt() {
        byte[] png = ImageGoldenTest.resource("cases/rgb_300x200_upscaled.png");

        assertThatThrownBy(() -> preparer.prepare(Arrays.copyOf(png, png.length / 2), false))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.stage()).isEqualTo(Stage.DECODE);
                    assertThat(e.code()).isEqualTo(FailureCode.CORRUPT_IMAGE);
                });
    }

    @Test
    void truncatedJpegIsCorrupt() throws Exception {
        byte[] jpeg = encode(gradient(400, 300), "jpeg");

        assertThatThrownBy(() -> preparer.prepare(Arrays.copyOf(jpeg, jpeg.length / 2), false))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.stage()).isEqualTo(Stage.DECODE);
                    assertThat(e.code()).isEqualTo(FailureCode.CORRUPT_IMAGE);
                });
    }

    @Test
    void decodesAJpegToRgbAndTilesALargeOne() throws Exception {
        byte[] jpeg = encode(gradient(1000, 800), "jpeg");

        PreparedImage prepared = preparer.prepare(jpeg, true);

        assertThat(prepared.width()).isEqualTo(1000);
        assertThat(prepared.tiled()).isTrue();
        assertThat(prepared.tileCount()).isEqualTo(5);
        assertThat(prepared.tiles()).hasSize(5 * 3 * 336 * 336);
        assertThat(prepared.whole()).hasSize(3 * 336 * 336);
        assertThat(prepared.decodeNanos()).isPositive();
    }

    @Test
    void greyJpegDecodesAsL() throws Exception {
        BufferedImage grey = new BufferedImage(50, 40, BufferedImage.TYPE_BYTE_GRAY);

        Pixels pixels = new ImageDecoder(DecodeOptions.defaults()).decode(encode(grey, "jpeg"));

        assertThat(pixels.mode()).isEqualTo(PillowMode.L);
    }

    @Test
    void appliesExifOrientationOnlyWhenAsked() {
        byte[] data = {1, 2, 3, 4, 5, 6}; // 3 x 2, L
        Pixels image = new Pixels(3, 2, PillowMode.L, data);

        Pixels rotated = ExifOrientation.apply(image, 6); // 90 degrees clockwise

        assertThat(rotated.width()).isEqualTo(2);
        assertThat(rotated.height()).isEqualTo(3);
        assertThat(rotated.data()).containsExactly(4, 1, 5, 2, 6, 3);
        assertThat(ExifOrientation.apply(image, 8).data()).containsExactly(3, 6, 2, 5, 1, 4);
    }

    @Test
    void validatesOptions() {
        assertThatThrownBy(() -> new DecodeOptions(0, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxPixels");
        assertThat(DecodeOptions.defaults().maxPixels()).isEqualTo(178_956_970L);
        assertThat(DecodeOptions.defaults().exifOrientation()).isFalse();
    }

    static BufferedImage gradient(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = ((x * 255 / w) << 16) | ((y * 255 / h) << 8) | ((x ^ y) & 0xff);
                img.setRGB(x, y, v);
            }
        }
        return img;
    }

    public static byte[] encode(BufferedImage img, String format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(img, format, out)).isTrue();
        return out.toByteArray();
    }

    private static byte[] pngHeaderOnly(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        ByteBuffer png = ByteBuffer.allocate(8 + 12 + 13 + 12);
        png.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        png.putInt(13).put("IHDR".getBytes()).put(ihdr.array());
        CRC32 crc = new CRC32();
        crc.update("IHDR".getBytes());
        crc.update(ihdr.array());
        png.putInt((int) crc.getValue());
        png.putInt(0).put("IEND".getBytes()).putInt(0xAE426082);
        return png.array();
    }
}
