package dev.sieve.bench;

import dev.sieve.StageException;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.decode.ImageDecoder;
import dev.sieve.image.Pixels;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: decoding one JPEG held in memory, with plain ImageIO and with sieve's {@link ImageDecoder} (header checks,
 * Pillow's mode, bytes out): default (libjpeg-turbo when it loads), forced ImageIO, and DCT-scaled for tiling. {@code -p file=PATH} picks the JPEG (scripts/bench micro passes its 24-megapixel
 * photo); without it a 12-megapixel photo-like JPEG is made in memory. Not a test.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class JpegDecodeBenchmark {
    @Param("")
    public String file;

    private byte[] jpeg;
    private ImageDecoder decoder;
    private ImageDecoder imageIoDecoder;
    private ImageDecoder dctDecoder;

    @Setup
    public void setUp() throws IOException {
        if (file.isEmpty()) {
            var pixels = ResizeBenchmark.PhotoPixels.rgb(4000, 3000, new Random(3));
            BufferedImage image = new BufferedImage(pixels.width(), pixels.height(), BufferedImage.TYPE_3BYTE_BGR);
            byte[] bgr = ((java.awt.image.DataBufferByte) image.getRaster().getDataBuffer()).getData();
            byte[] rgb = pixels.data();
            for (int i = 0; i < rgb.length; i += 3) {
                bgr[i] = rgb[i + 2];
                bgr[i + 1] = rgb[i + 1];
                bgr[i + 2] = rgb[i];
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "jpeg", out);
            jpeg = out.toByteArray();
        } else {
            jpeg = Files.readAllBytes(Path.of(file));
        }
        DecodeOptions d = DecodeOptions.defaults();
        decoder = new ImageDecoder(d);
        imageIoDecoder = new ImageDecoder(new DecodeOptions(d.maxPixels(), false, DecodeOptions.JpegDecoder.IMAGEIO, false));
        dctDecoder = new ImageDecoder(new DecodeOptions(d.maxPixels(), false, DecodeOptions.JpegDecoder.AUTO, true));
    }

    @Benchmark
    public BufferedImage imageIoRead() throws IOException {
        return ImageIO.read(new ByteArrayInputStream(jpeg));
    }

    /** The default: libjpeg-turbo when libturbojpeg0 loads, else the same as {@link #sieveImageDecoderImageIo}. */
    @Benchmark
    public Pixels sieveImageDecoder() throws StageException {
        return decoder.decode(jpeg);
    }

    @Benchmark
    public Pixels sieveImageDecoderImageIo() throws StageException {
        return imageIoDecoder.decode(jpeg);
    }

    /** DCT-scaled for the tiling path: the smallest M/8 whose shorter side still reaches the 1536 step. */
    @Benchmark
    public Pixels sieveImageDecoderDctScaled() throws StageException {
        return dctDecoder.decode(jpeg, (w, h) -> dev.sieve.image.resize.TilePlan.minDecodedShortSide(w, h, 672, 336, true))
                .pixels();
    }
}
