package dev.sieve.image;

import dev.sieve.image.clip.ClipPreprocessing;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.decode.ImageDecoder;
import dev.sieve.image.decode.ImageDecoderTest;
import dev.sieve.image.resize.PillowResize;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Images a few pixels across and hundreds of thousands long (issue 13, item 4). CLIP's processor sets the shorter
 * side to 336, so the reference resizes a 1x1,000,000 image to 336x336,000,000 before it crops the centre. Pillow
 * 9.4 refuses that resize at once with MemoryError, whatever the machine: its coefficient table for one direction
 * ({@code precompute_coeffs}) may not pass INT_MAX bytes, out size x ksize (5 for bicubic upscaling) x 8. Below
 * that limit the reference scores the image given the memory (2x200,000 takes ~45 GB in Pillow), and so does
 * sieve, without it: only the 336x336 centre the processor keeps is resampled.
 */
public class ExtremeAspectRatioTest {
    private static final ClipPreprocessing CLIP = ClipPreprocessing.openaiClip336();
    private static final ImagePreparer PREPARER = new ImagePreparer(CLIP, DecodeOptions.defaults(), true);
    /** Pillow's limit for a bicubic upscale: INT_MAX / (5 * sizeof(double)) outputs in one direction. */
    private static final long PILLOW_MAX_UPSCALED_SIDE = Integer.MAX_VALUE / (5 * 8);

    @Test
    void refusesWhatPillowRefusesBeforeDecodingOrTakingPixels() throws Exception {
        PixelBudget budget = new PixelBudget(1_000_000);
        // Someone else holds the whole budget: an image that waited for its share would never return.
        try (PixelBudget.Share other = budget.share()) {
            other.take(budget.capacity());
            for (byte[] png : List.of(twoColours(1, 1_000_000), twoColours(1_000_000, 1))) {
                assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
                        assertThatThrownBy(() -> PREPARER.prepare(png, true, budget))
                                .isInstanceOfSatisfying(StageException.class, e -> {
                                    assertThat(e.stage()).isEqualTo(Stage.PREPROCESS);
                                    assertThat(e.code()).isEqualTo(FailureCode.TOO_MANY_PIXELS);
                                    assertThat(e.getMessage()).contains("336000000").contains("Pillow");
                                }));
            }
        }
    }

    @Test
    void refusalStartsJustPastPillowsCoefficientLimit() throws Exception {
        long longest = PILLOW_MAX_UPSCALED_SIDE / 336; // 159,783: resized to 336 x 53,687,088
        assertThat(PREPARER.prepare(twoColours(1, (int) longest), false).tileCount()).isEqualTo(1);
        assertThat(PREPARER.prepare(twoColours((int) longest, 1), false).tileCount()).isEqualTo(1);
        assertThatThrownBy(() -> PREPARER.prepare(twoColours(1, (int) longest + 1), false))
                .isInstanceOfSatisfying(StageException.class,
                        e -> assertThat(e.code()).isEqualTo(FailureCode.TOO_MANY_PIXELS));
    }

    @Test
    void scoresTheCentreOfAVeryLongImageWithoutResizingAllOfIt() throws Exception {
        // 2x200,000: 336 x 33,600,000 after the processor's resize (34 GB as RGB bytes, past any Java array).
        for (boolean tall : List.of(true, false)) {
            byte[] png = tall ? twoColours(2, 200_000) : twoColours(200_000, 2);
            PreparedImage prepared = PREPARER.prepare(png, true);
            assertThat(prepared.tileCount()).isEqualTo(1);
            assertThat(prepared.tiled()).isFalse();

            // Every row (column) of a two-colour image is the same, so the centre crop is the resize of one row
            // (column) repeated: 336 of them.
            Pixels decoded = new ImageDecoder(DecodeOptions.defaults()).decode(png);
            List<Pixels> crops = PREPARER.rgbCrops(decoded);
            Pixels line = tall ? decoded.crop(0, 0, 2, 1) : decoded.crop(0, 0, 1, 2);
            Pixels expected = tall ? PillowResize.resize(line, 336, 1, PillowResize.Filter.BICUBIC)
                    : PillowResize.resize(line, 1, 336, PillowResize.Filter.BICUBIC);
            Pixels crop = crops.get(0);
            assertThat(crop.width()).isEqualTo(336);
            assertThat(crop.height()).isEqualTo(336);
            for (int i = 0; i < 336; i++) {
                Pixels got = tall ? crop.crop(0, i, 336, 1) : crop.crop(i, 0, 1, 336);
                assertThat(got.data()).as("line %d", i).isEqualTo(expected.data());
            }
            byte[] e = expected.data();
            assertThat(new byte[] {e[0], e[1], e[2]}).as("one end is the first colour, the other the second")
                    .isNotEqualTo(new byte[] {e[e.length - 3], e[e.length - 2], e[e.length - 1]});
        }
    }

    /** A width x height PNG whose first column (row, when wide) is one colour and the rest another. */
    public static byte[] twoColours(int width, int height) throws Exception {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        boolean tall = height >= width;
        int[] a = {200, 40, 10};
        int[] b = {20, 90, 250};
        byte[] data = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int[] c = (tall ? x : y) == 0 ? a : b;
                int p = (y * width + x) * 3;
                data[p] = (byte) c[2];
                data[p + 1] = (byte) c[1];
                data[p + 2] = (byte) c[0];
            }
        }
        return ImageDecoderTest.encode(img, "png");
    }
}
