package dev.sieve.image.decode;

import dev.sieve.image.Pixels;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * How far sieve's JPEG decoding (then {@code convert("RGB")}) is from Pillow's, per channel, on a corpus made by
 * scripts/reference/jpeg_corpus.py. Not a test: a measurement, run on purpose with
 * {@code mvn -o test -pl worker -Dtest=JpegFidelityMeasurement -Dsieve.jpegCorpus=DIR}; the README's "Fidelity"
 * section quotes its output.
 */
@EnabledIfSystemProperty(named = "sieve.jpegCorpus", matches = ".+")
class JpegFidelityMeasurement {

    @Test
    void perChannelDifferenceFromPillow() throws Exception {
        Path dir = Path.of(System.getProperty("sieve.jpegCorpus"));
        var manifest = JsonParser.parseString(Files.readString(dir.resolve("manifest.json"))).getAsJsonArray();
        ImageDecoder decoder = new ImageDecoder(new DecodeOptions(200_000_000L, false));
        long[] sum = new long[3];
        int[] max = new int[3];
        long pixels = 0;
        int exact = 0;
        for (JsonElement e : manifest) {
            JsonObject m = e.getAsJsonObject();
            String file = m.get("file").getAsString();
            byte[] expected = Files.readAllBytes(dir.resolve(file.replaceAll("\\.[a-z]+$", ".rgb")));
            Pixels rgb;
            try {
                rgb = decoder.decode(Files.readAllBytes(dir.resolve(file))).toRgb();
            } catch (Exception ex) {
                System.out.printf("%-60s %-5s FAILED %s%n", file, m.get("mode").getAsString(), ex);
                continue;
            }
            assertThat(rgb.data()).as(file).hasSize(expected.length);
            long[] s = new long[3];
            int[] mx = new int[3];
            for (int i = 0; i < expected.length; i++) {
                int d = Math.abs((rgb.data()[i] & 0xff) - (expected[i] & 0xff));
                s[i % 3] += d;
                mx[i % 3] = Math.max(mx[i % 3], d);
            }
            long n = expected.length / 3;
            boolean same = mx[0] == 0 && mx[1] == 0 && mx[2] == 0;
            if (same) exact++;
            System.out.printf("%-60s %-5s %5dx%-5d max R/G/B %3d %3d %3d  mean %.4f %.4f %.4f  %s%n", file,
                    m.get("mode").getAsString(), rgb.width(), rgb.height(), mx[0], mx[1], mx[2],
                    (double) s[0] / n, (double) s[1] / n, (double) s[2] / n, m.get("how").getAsString());
            for (int c = 0; c < 3; c++) {
                sum[c] += s[c];
                max[c] = Math.max(max[c], mx[c]);
            }
            pixels += n;
        }
        System.out.printf("ALL %d files, %d bit-exact, %d pixels: max R/G/B %d %d %d, mean %.5f %.5f %.5f%n",
                manifest.size(), exact, pixels, max[0], max[1], max[2],
                (double) sum[0] / pixels, (double) sum[1] / pixels, (double) sum[2] / pixels);
    }
}
