package dev.sieve.export;

import dev.sieve.image.PerceptualHash;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.decode.ImageDecoder;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Test pictures and the copies a scraped feed holds of them (scripts/near_dups.py's kinds, made in Java): a picture is
 * blocks of random colours on a gradient (structure at low frequencies, as a photograph has); a copy is the picture
 * re-encoded as JPEG, resized, or cropped a little. Hashes are taken as the worker takes them: decoded by sieve's
 * decoder, then {@link PerceptualHash}.
 */
final class NearDuplicatePictures {
    private static final ImageDecoder DECODER = new ImageDecoder(DecodeOptions.defaults());

    enum Copy { ORIGINAL, JPEG_Q75, RESIZED_60, CROPPED_2 }

    private NearDuplicatePictures() {}

    /** Writes picture {@code seed} as {@code copy} to {@code file} (PNG, or JPEG for the re-encoded copy). */
    static Path write(long seed, Copy copy, Path file) {
        BufferedImage picture = picture(seed, 480, 360);
        try {
            switch (copy) {
                case ORIGINAL -> ImageIO.write(picture, "png", file.toFile());
                case JPEG_Q75 -> jpeg(picture, 0.75f, file);
                case RESIZED_60 -> ImageIO.write(scaled(picture, 288, 216), "png", file.toFile());
                case CROPPED_2 -> ImageIO.write(picture.getSubimage(10, 7, 460, 346), "png", file.toFile());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** The perceptual hash the worker would write for {@code file}. */
    static long hash(Path file) throws Exception {
        return PerceptualHash.of(DECODER.decode(Files.readAllBytes(file)));
    }

    private static BufferedImage picture(long seed, int width, int height) {
        Random random = new Random(seed);
        int blocks = 6;
        int[] colour = new int[blocks * blocks * 3];
        for (int i = 0; i < colour.length; i++) colour[i] = random.nextInt(256);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int c = ((y * blocks / height) * blocks + x * blocks / width) * 3;
                int shade = (x + y) * 64 / (width + height);
                int rgb = 0;
                for (int k = 0; k < 3; k++) rgb = (rgb << 8) | Math.min(255, colour[c + k] * 3 / 4 + shade);
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }

    private static BufferedImage scaled(BufferedImage image, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, 0, 0, width, height, null);
        g.dispose();
        return out;
    }

    private static void jpeg(BufferedImage image, float quality, Path file) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(quality);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
    }
}
