package dev.sieve.image.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import dev.sieve.image.PillowMode;
import dev.sieve.image.Pixels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Damaged GIF data read the way Pillow 9.4's decoder reads it, each a behaviour ImageIO (sieve's GIF decoder before
 * {@link GifDecoder}) got wrong on the mutants of the format corpus. The files are in formats/gif/, made by
 * scripts/reference/make_format_corpus_raster.py, and {@code GifEdgesFidelityTest} also checks them against Pillow's
 * goldens; here each behaviour is stated on its own. The clean file they are made from is frame_inside_screen.gif (a
 * 20x12 frame at 7, 9 on a 40x30 screen).
 */
class GifDecoderTest {
    private final ImageDecoder decoder = new ImageDecoder(DecodeOptions.defaults());

    @Test
    void skipsStrayBytesBetweenBlocks() throws Exception {
        // ImageIO: "Unexpected block type 13"
        assertThat(decode("stray_bytes_between_blocks.gif").data()).isEqualTo(decode("frame_inside_screen.gif").data());
    }

    @Test
    void readsCodesPastTheZeroLengthBlockUntilTheFrameIsFull() throws Exception {
        // the image data's sub-blocks are ended half-way and go on after the terminator; ImageIO stopped there
        assertThat(decode("codes_past_block_terminator.gif").data())
                .isEqualTo(decode("frame_inside_screen.gif").data());
    }

    @Test
    void refusesAFrameWhoseEndCodeComesBeforeItsLastPixel() {
        // ImageIO filled the last 40 pixels; Pillow: "image file is truncated (2 bytes not processed)"
        assertRefused("refused_end_code_before_last_pixel.gif", FailureCode.CORRUPT_IMAGE, "image file is truncated");
    }

    @Test
    void refusesACodePastTheNextFreeTableEntry() {
        assertRefused("refused_code_past_table.gif", FailureCode.CORRUPT_IMAGE, "broken data stream");
    }

    @Test
    void refusesAnLzwCodeSizeOver12() {
        assertRefused("refused_lzw_code_size_13.gif", FailureCode.CORRUPT_IMAGE, "codec configuration error");
    }

    @Test
    void storesLiteralsOfWideCodesInAByte() throws Exception {
        // code size 9: literal 256 + i draws index i, as Pillow's byte-wide table does
        Pixels wide = decode("lzw_code_size_9.gif");
        Pixels clean = decode("frame_inside_screen.gif");
        assertThat(wide.mode()).isEqualTo(PillowMode.P);
        for (int y = 0; y < 12; y++) {
            byte[] row = Arrays.copyOfRange(wide.data(), y * 20 * 3, (y + 1) * 20 * 3);
            int at = ((y + 9) * 40 + 7) * 3;
            assertThat(row).as("row %d", y).isEqualTo(Arrays.copyOfRange(clean.data(), at, at + 20 * 3));
        }
    }

    @Test
    void decodesAZeroWidthFrameAtTheOriginOverTheWholeScreen() throws Exception {
        // descriptor: 0, 0, width 0, height 6 on a 24x10 screen; Pillow's decoder takes (0, 0, 0, y1) as "all of it",
        // so the data's 240 pixels fill all ten rows
        Pixels p = decode("zero_width_frame_at_origin.gif");
        assertThat(p.width()).isEqualTo(24);
        assertThat(p.height()).isEqualTo(10);
        Set<Integer> lastRow = new HashSet<>();
        for (int x = 0; x < 24; x++) {
            int at = (9 * 24 + x) * 3;
            lastRow.add((p.data()[at] & 0xff) << 16 | (p.data()[at + 1] & 0xff) << 8 | (p.data()[at + 2] & 0xff));
        }
        assertThat(lastRow).as("the last row is drawn, not left at index 0").hasSizeGreaterThan(1);
    }

    @Test
    void refusesAFrameThatGrowsTheScreenPastTheLimitBeforeReadingOn() {
        // the file ends right after the descriptor; Pillow's bomb check runs first
        assertRefused("refused_frame_grows_screen_past_limit_then_cut.gif", FailureCode.TOO_MANY_PIXELS, "65020x65012");
    }

    @Test
    void doesNotIdentifyAGifWhoseGraphicControlBlockIsTooShort() {
        assertRefused("refused_graphic_control_block_of_2_bytes.gif", FailureCode.NOT_AN_IMAGE,
                "cannot identify image file");
    }

    @Test
    void refusesImageDataCutByTheEndOfTheFile() throws Exception {
        byte[] clean = resource("frame_inside_screen.gif");
        for (int cut = clean.length - 3; cut > clean.length - 60; cut -= 7) {
            byte[] shorter = Arrays.copyOf(clean, cut);
            assertThatThrownBy(() -> decoder.decode(shorter)).as("cut at %d", cut)
                    .isInstanceOfSatisfying(StageException.class,
                            e -> assertThat(e.code()).isEqualTo(FailureCode.CORRUPT_IMAGE));
        }
    }

    @Test
    void decodesOnPastAnEarlyEndCodeWhenPillowsNextReadBringsMoreData() throws Exception {
        // Pillow feeds its decoder 64 KiB at a time and an end code only returns what was consumed: with more of the
        // file to read, decoding goes on past it (Pillow decodes this 80 KB file), with none, the file is "truncated"
        // (Pillow refuses the same end code 110,000 codes in, where the last read has already been made)
        byte[] clean = largeGif(-1);
        assertThat(clean.length).isGreaterThan(65536);
        Pixels full = decoder.decode(clean);
        assertThat(decoder.decode(largeGif(1000)).data()).isEqualTo(full.data());
        assertThatThrownBy(() -> decoder.decode(largeGif(110_000))).isInstanceOfSatisfying(StageException.class, e -> {
            assertThat(e.code()).isEqualTo(FailureCode.CORRUPT_IMAGE);
            assertThat(e.getMessage()).contains("image file is truncated");
        });
    }

    /**
     * A 400x300 GIF, 16 colours, literal codes only (5 bits, a clear code every 14 literals), with an end code
     * inserted before code {@code earlyEnd} (none when negative); about 80 KB.
     */
    private static byte[] largeGif(int earlyEnd) {
        int w = 400;
        int h = 300;
        List<Integer> codes = new ArrayList<>();
        for (int i = 0; i < w * h; i++) {
            if (i % 14 == 0) codes.add(16);
            int x = i % w;
            int y = i / w;
            codes.add((x * 7 + y * 3 + x * y / 11) % 16);
        }
        if (earlyEnd >= 0) codes.add(earlyEnd, 17);
        codes.add(17);
        ByteArrayOutputStream lzw = new ByteArrayOutputStream();
        int acc = 0;
        int bits = 0;
        for (int c : codes) {
            acc |= c << bits;
            bits += 5;
            while (bits >= 8) {
                lzw.write(acc & 0xff);
                acc >>>= 8;
                bits -= 8;
            }
        }
        if (bits > 0) lzw.write(acc);
        byte[] data = lzw.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("GIF89a".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(new byte[] {(byte) w, (byte) (w >> 8), (byte) h, (byte) (h >> 8), (byte) 0x83, 0, 0});
        for (int i = 0; i < 16; i++) out.writeBytes(new byte[] {(byte) (i * 16), (byte) (255 - i * 8), (byte) (i * 5)});
        out.writeBytes(new byte[] {',', 0, 0, 0, 0, (byte) w, (byte) (w >> 8), (byte) h, (byte) (h >> 8), 0, 4});
        for (int at = 0; at < data.length; at += 255) {
            int n = Math.min(255, data.length - at);
            out.write(n);
            out.write(data, at, n);
        }
        out.writeBytes(new byte[] {0, ';'});
        return out.toByteArray();
    }

    private Pixels decode(String name) throws StageException {
        return decoder.decode(resource(name));
    }

    private void assertRefused(String name, FailureCode code, String message) {
        assertThatThrownBy(() -> decode(name)).isInstanceOfSatisfying(StageException.class, e -> {
            assertThat(e.stage()).isEqualTo(Stage.DECODE);
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).contains(message);
        });
    }

    private static byte[] resource(String name) {
        try (InputStream in = GifDecoderTest.class.getResourceAsStream("/formats/gif/" + name)) {
            if (in == null) throw new IllegalStateException("missing test resource formats/gif/" + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
