package dev.sieve.image.decode;

import dev.sieve.image.ImageGoldenTest;
import dev.sieve.image.PixelBudget;
import dev.sieve.image.Pixels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/**
 * sieve's PNG decoder against Pillow's pixels (the goldens of scripts/reference/make_image_goldens.py), against PNGs
 * filtered here with the specification's forward filters, and its two inflate paths (libdeflate in one call, zlib
 * step by step) against each other; the format corpus (PngEdgesFidelityTest) holds Pillow's verdict on the rest.
 */
class PngDecoderTest {

    /** Both inflaters: libdeflate where installed, and java.util.zip. */
    private static List<PngDecoder> decoders() {
        List<PngDecoder> decoders = new ArrayList<>();
        decoders.add(new PngDecoder(null));
        LibDeflate.load().ifPresent(d -> decoders.add(new PngDecoder(d)));
        return decoders;
    }

    @Test
    void aMissingLibdeflateLoadsAsEmpty() {
        assertThat(LibDeflate.open("sieve-no-such-libdeflate")).isEmpty();
    }

    @Test
    void decodesEveryGoldenPngToPillowsPixels() throws Exception {
        int decoded = 0;
        for (ImageGoldenTest.Case c : ImageGoldenTest.cases().toList()) {
            byte[] png = ImageGoldenTest.resource(c.file());
            if (ImageFormat.sniff(png) != ImageFormat.PNG) continue;
            for (PngDecoder decoder : decoders()) {
                Pixels pixels = decode(decoder, png);

                assertThat(ImageGoldenTest.sha256(pixels.data())).as(c.file()).isEqualTo(c.decoded());
                assertThat(pixels.mode() == dev.sieve.image.PillowMode.BILEVEL ? "1" : pixels.mode().name()).as(c.file()).isEqualTo(c.mode());
                decoded++;
            }
        }
        // Every PNG golden: every Pillow mode a PNG opens in.
        assertThat(decoded).isGreaterThanOrEqualTo(15 * decoders().size());
    }

    @Test
    void undoesAllFiveFilterTypesForEveryChannelCount() throws Exception {
        Random random = new Random(3);
        int[] colourTypes = {0, 4, 2, 6};
        for (int channels = 1; channels <= 4; channels++) {
            int w = 37;
            int h = 12;
            byte[] pixels = new byte[w * h * channels];
            // Smooth ramps plus noise, so that every predictor sees non-trivial neighbours.
            for (int i = 0; i < pixels.length; i++) pixels[i] = (byte) (i * 7 / channels + random.nextInt(40));
            byte[] png = png(w, h, colourTypes[channels - 1], channels, pixels);

            for (PngDecoder decoder : decoders()) {
                Pixels decoded = decode(decoder, png);

                assertThat(decoded).as("%d channels", channels).isNotNull();
                assertThat(decoded.data()).as("%d channels", channels).isEqualTo(pixels);
            }
        }
    }

    @Test
    void bothInflatersGiveTheSameOutcomeOnEveryCorpusPng() throws Exception {
        // The libdeflate fast path and the step-by-step zlib path, on the PNG corpus and its damaged cases.
        java.nio.file.Path dir = java.nio.file.Path.of("src/test/resources/formats/png");
        int compared = 0;
        try (var files = java.nio.file.Files.list(dir)) {
            for (java.nio.file.Path f : files.filter(p -> p.toString().endsWith(".png")).sorted().toList()) {
                byte[] png = java.nio.file.Files.readAllBytes(f);
                List<String> outcomes = new ArrayList<>();
                for (PngDecoder decoder : decoders()) outcomes.add(outcome(decoder, png));
                assertThat(outcomes).as(f.getFileName().toString()).containsOnly(outcomes.get(0));
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(10);
    }

    @Test
    void libdeflateTakesTheCleanRunsAndLeavesTheRestToTheStepByStepPath() throws Exception {
        assumeThat(LibDeflate.load()).as("libdeflate0 installed").isPresent();
        PngDecoder fast = new PngDecoder(LibDeflate.load().orElseThrow());
        java.nio.file.Path dir = java.nio.file.Path.of("src/test/resources/formats/png");
        assertThat(inOneCall(fast, java.nio.file.Files.readAllBytes(dir.resolve("layout_rgba8_interlaced.png"))))
                .isTrue();
        assertThat(inOneCall(fast, java.nio.file.Files.readAllBytes(dir.resolve("layout_palette2.png")))).isTrue();
        // Not one whole run of IDATs, a stream past the rows, a checksum never reached, a 16-bit layout.
        for (String name : List.of("idat_length_plus_4.png", "stream_ends_after_a_row.png",
                "bad_adler_in_its_own_idat.png", "layout_rgb16.png")) {
            assertThat(inOneCall(fast, java.nio.file.Files.readAllBytes(dir.resolve(name)))).as(name).isFalse();
        }
    }

    private static boolean inOneCall(PngDecoder decoder, byte[] png) throws Exception {
        PngChunks chunks = new PngChunks(png);
        PngChunks.Opened o = chunks.open();
        int[] tile = {0, 0, (int) o.width(), (int) o.height()};
        byte[] out = new byte[(int) (o.width() * o.height() * o.layout().outBytes())];
        return decoder.decodeInOneCall(png, chunks, o, o.layout(), out, (int) o.width(), tile);
    }

    @Test
    void aStreamEndingAfterAWholeRowLeavesTheRestBlack() throws Exception {
        byte[] pixels = new byte[20 * 10 * 3];
        new Random(4).nextBytes(pixels);
        byte[] png = png(20, 10, 2, 3, pixels);
        byte[] taller = png.clone();
        taller[23] = 12; // IHDR height 12: the stream ends after row 10, as Pillow's decoder then stops
        fixCrc(taller, 8, 13);
        for (PngDecoder decoder : decoders()) {
            Pixels decoded = decode(decoder, taller);
            assertThat(decoded.height()).isEqualTo(12);
            assertThat(java.util.Arrays.copyOf(decoded.data(), pixels.length)).isEqualTo(pixels);
            assertThat(java.util.Arrays.copyOfRange(decoded.data(), pixels.length, decoded.data().length))
                    .containsOnly((byte) 0);
        }
    }

    private static Pixels decode(PngDecoder decoder, byte[] png) throws Exception {
        PngChunks chunks = new PngChunks(png);
        return decoder.decode(png, chunks, chunks.open(), false);
    }

    private static String outcome(PngDecoder decoder, byte[] png) {
        try {
            return ImageGoldenTest.sha256(decode(decoder, png).data());
        } catch (dev.sieve.StageException e) {
            return e.code().toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static void fixCrc(byte[] b, int chunkAt, int length) {
        CRC32 crc = new CRC32();
        crc.update(b, chunkAt + 4, 4 + length);
        System.arraycopy(u32(crc.getValue()), 0, b, chunkAt + 8 + length, 4);
    }

    @Test
    void aPngThisPathDecodesIsChargedToThePixelBudget() throws Exception {
        byte[] pixels = new byte[20 * 10 * 4];
        new Random(6).nextBytes(pixels);
        byte[] rgba = png(20, 10, 6, 4, pixels);
        PixelBudget budget = new PixelBudget(1_000_000);
        try (PixelBudget.Share share = budget.share()) {
            Pixels decoded = new ImageDecoder(DecodeOptions.defaults()).decode(rgba, null, share).pixels();

            assertThat(decoded.data()).isEqualTo(pixels);
            // RGBA: its pixels, 4 bytes each (Pillow's premultiplied copy is made strip by strip, later).
            assertThat(share.held()).isGreaterThanOrEqualTo(200);
        }
        assertThat(budget.available()).isEqualTo(1_000_000);
    }

    @Test
    void aWidePngIsChargedItsRowBuffersToo() throws Exception {
        // 10000x1 16-bit RGBA: 10,000 pixels, and two row buffers of 80,001 bytes (40,001 pixels' worth).
        byte[] pixels = new byte[10_000 * 8];
        new Random(7).nextBytes(pixels);
        byte[] png = png(10_000, 1, 6, 8, pixels);
        png[24] = 16;
        fixCrc(png, 8, 13);
        PixelBudget budget = new PixelBudget(1_000_000);
        try (PixelBudget.Share share = budget.share()) {
            Pixels decoded = new ImageDecoder(DecodeOptions.defaults()).decode(png, null, share).pixels();

            assertThat(decoded.mode()).isEqualTo(dev.sieve.image.PillowMode.RGBA);
            assertThat(decoded.data()[4]).isEqualTo(pixels[8]); // the high byte of the second pixel's red
            assertThat(share.held()).isGreaterThanOrEqualTo(50_001);
        }
    }

    /** A PNG whose rows cycle through filter types 0..4, filtered as the PNG specification's section 9 says. */
    static byte[] png(int w, int h, int colourType, int channels, byte[] pixels) {
        int stride = w * channels;
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        for (int y = 0; y < h; y++) {
            int type = y % 5;
            raw.write(type);
            for (int x = 0; x < stride; x++) {
                int cur = pixels[y * stride + x] & 0xff;
                int a = x >= channels ? pixels[y * stride + x - channels] & 0xff : 0;
                int b = y > 0 ? pixels[(y - 1) * stride + x] & 0xff : 0;
                int c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] & 0xff : 0;
                int predictor = switch (type) {
                    case 0 -> 0;
                    case 1 -> a;
                    case 2 -> b;
                    case 3 -> (a + b) / 2;
                    default -> {
                        int p = a + b - c;
                        int pa = Math.abs(p - a);
                        int pb = Math.abs(p - b);
                        int pc = Math.abs(p - c);
                        yield pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
                    }
                };
                raw.write((cur - predictor) & 0xff);
            }
        }
        Deflater deflater = new Deflater();
        deflater.setInput(raw.toByteArray());
        deflater.finish();
        byte[] buf = new byte[raw.size() * 2 + 64];
        int n = deflater.deflate(buf);
        deflater.end();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        byte[] ihdr = new byte[13];
        System.arraycopy(u32(w), 0, ihdr, 0, 4);
        System.arraycopy(u32(h), 0, ihdr, 4, 4);
        ihdr[8] = 8;
        ihdr[9] = (byte) colourType;
        chunk(out, "IHDR", ihdr);
        // Two IDAT chunks: the data is one zlib stream across them.
        chunk(out, "IDAT", java.util.Arrays.copyOfRange(buf, 0, n / 2));
        chunk(out, "IDAT", java.util.Arrays.copyOfRange(buf, n / 2, n));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        out.writeBytes(u32(data.length));
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(u32(crc.getValue()));
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
        for (int i = b.length - t.length; i >= 0; i--) {
            for (int j = 0; j < t.length; j++) if (b[i + j] != t[j]) continue outer;
            return i;
        }
        throw new IllegalArgumentException("no " + type);
    }
}
