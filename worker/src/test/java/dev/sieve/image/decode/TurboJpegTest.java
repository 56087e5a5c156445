package dev.sieve.image.decode;

import dev.sieve.image.Pixels;
import dev.sieve.image.resize.TilePlan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class TurboJpegTest {
    private static final DecodeOptions IMAGEIO =
            new DecodeOptions(DecodeOptions.defaults().maxPixels(), false, DecodeOptions.JpegDecoder.IMAGEIO, false);

    @Test
    void aMissingLibraryLoadsAsEmptySoTheDecoderFallsBackToImageIo() {
        assertThat(TurboJpeg.open("sieve-no-such-turbojpeg")).isEmpty();
        assertThat(new ImageDecoder(IMAGEIO).usesTurboJpeg()).isFalse();
    }

    @Test
    void turboDecodesTheSamePixelsAsImageIoWithinJpegDecoderTolerance() throws Exception {
        assumeThat(TurboJpeg.load()).as("libturbojpeg0 installed").isPresent();
        for (int type : new int[] {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_BYTE_GRAY}) {
            byte[] jpeg = jpeg(noisy(301, 203, type));
            ImageDecoder turbo = new ImageDecoder(DecodeOptions.defaults());
            assertThat(turbo.usesTurboJpeg()).isTrue();

            Pixels a = turbo.decode(jpeg);
            Pixels b = new ImageDecoder(IMAGEIO).decode(jpeg);

            assertThat(a.mode()).isEqualTo(b.mode());
            assertThat(a.width()).isEqualTo(301);
            assertThat(a.height()).isEqualTo(203);
            // Both are libjpeg descendants with the accurate integer IDCT; they differ only in upsampling/rounding.
            int max = 0;
            long sum = 0;
            for (int i = 0; i < a.data().length; i++) {
                int d = Math.abs((a.data()[i] & 0xff) - (b.data()[i] & 0xff));
                max = Math.max(max, d);
                sum += d;
            }
            assertThat(max).as("max difference, type %d", type).isLessThanOrEqualTo(8);
            assertThat((double) sum / a.data().length).as("mean difference").isLessThan(1.0);
        }
    }

    @Test
    void truncatedJpegIsCorruptWithTurbo() throws Exception {
        assumeThat(TurboJpeg.load()).as("libturbojpeg0 installed").isPresent();
        byte[] jpeg = jpeg(noisy(300, 200, BufferedImage.TYPE_3BYTE_BGR));
        ImageDecoder decoder = new ImageDecoder(DecodeOptions.defaults());

        for (byte[] broken : List.of(Arrays.copyOf(jpeg, jpeg.length / 2), Arrays.copyOf(jpeg, 40))) {
            assertThatThrownBy(() -> decoder.decode(broken))
                    .isInstanceOfSatisfying(StageException.class, e -> {
                        assertThat(e.stage()).isEqualTo(Stage.DECODE);
                        assertThat(e.code()).isEqualTo(FailureCode.CORRUPT_IMAGE);
                    });
        }
    }

    @Test
    void dctScaledDecodeIsTheChosenSizeAndTheFullSizeIsReported() throws Exception {
        assumeThat(TurboJpeg.load()).as("libturbojpeg0 installed").isPresent();
        byte[] jpeg = jpeg(noisy(1600, 800, BufferedImage.TYPE_3BYTE_BGR));
        ImageDecoder decoder = new ImageDecoder(
                new DecodeOptions(DecodeOptions.defaults().maxPixels(), false, DecodeOptions.JpegDecoder.AUTO, true));

        ImageDecoder.Decoded d = decoder.decode(jpeg, (w, h) -> 200);

        // 1/4 gives 200 rows (>= 200), 1/8 only 100.
        assertThat(d.pixels().width()).isEqualTo(400);
        assertThat(d.pixels().height()).isEqualTo(200);
        assertThat(d.fullWidth()).isEqualTo(1600);
        assertThat(d.fullHeight()).isEqualTo(800);
    }

    @Test
    void theScaleIsTheSmallestWhoseShorterSideStillReachesTheNextStep() {
        List<TurboJpeg.Scale> eighths = List.of(new TurboJpeg.Scale(7, 8), new TurboJpeg.Scale(3, 4),
                new TurboJpeg.Scale(5, 8), new TurboJpeg.Scale(1, 2), new TurboJpeg.Scale(3, 8),
                new TurboJpeg.Scale(1, 4), new TurboJpeg.Scale(1, 8));
        int tile = 672;
        int clip = 336;
        // 24 MP 6000x4000: the 1536 step comes next; 1/2 gives 2000 rows, 3/8 only 1500.
        int need = TilePlan.minDecodedShortSide(6000, 4000, tile, clip, true);
        assertThat(need).isEqualTo(1536);
        assertThat(ImageDecoder.chooseScale(eighths, 6000, 4000, need)).isEqualTo(new TurboJpeg.Scale(1, 2));
        // 12 MP 4000x3000: 5/8 gives 1875, 1/2 only 1500.
        assertThat(ImageDecoder.chooseScale(eighths, 4000, 3000, 1536)).isEqualTo(new TurboJpeg.Scale(5, 8));
        // Tiled without the 1536 step (1400x1000): the tiles come from the decoded size itself, no scaling.
        assertThat(TilePlan.minDecodedShortSide(1400, 1000, tile, clip, true)).isEqualTo(1000);
        assertThat(ImageDecoder.chooseScale(eighths, 1400, 1000, 1000)).isEqualTo(TurboJpeg.Scale.ONE);
        // Not tiled (--no-tiling, 6000x4000): CLIP's 336 shortest-edge resize is next; 1/8 gives 500.
        assertThat(TilePlan.minDecodedShortSide(6000, 4000, tile, clip, false)).isEqualTo(336);
        assertThat(ImageDecoder.chooseScale(eighths, 6000, 4000, 336)).isEqualTo(new TurboJpeg.Scale(1, 8));
        // Small untiled image: nothing below the short side if that is under the CLIP size.
        assertThat(TilePlan.minDecodedShortSide(300, 200, tile, clip, true)).isEqualTo(200);
    }

    static BufferedImage noisy(int w, int h, int type) {
        BufferedImage image = new BufferedImage(w, h, type);
        Random random = new Random(7);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int base = (x * 255 / w) ^ (y * 255 / h);
                int r = Math.min(255, base + random.nextInt(30));
                int g = Math.min(255, (x + y) % 256);
                int b = Math.min(255, 255 - base);
                image.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return image;
    }

    static byte[] jpeg(BufferedImage image) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpeg", out);
        return out.toByteArray();
    }
}
