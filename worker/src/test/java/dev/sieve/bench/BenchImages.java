package dev.sieve.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * A fixed, varied image set made on the spot (not committed: tens of MB): smooth gradients, shapes and noise, so
 * JPEG and PNG see photo-like content rather than flat colour that compresses to nothing. Same seed, same pixels.
 */
final class BenchImages {

    /** One image to make: pixel size, format, file name. */
    record Spec(int width, int height, String format) {
        String fileName() {
            return String.format("bench-%dx%d.%s", width, height, format.equals("jpeg") ? "jpg" : format);
        }

        double megapixels() {
            return width * (double) height / 1e6;
        }
    }

    /** 2, 8 and 24 megapixels, JPEG and PNG, ordinary and odd aspect ratios. */
    static final List<Spec> PREPROCESS_SET = List.of(
            new Spec(1732, 1155, "jpeg"),   // 2 MP, 3:2
            new Spec(3000, 700, "jpeg"),    // 2.1 MP, panorama 4.3:1 (shorter side just over a tile)
            new Spec(1000, 2000, "png"),    // 2 MP, 1:2 portrait
            new Spec(3464, 2309, "jpeg"),   // 8 MP, 3:2
            new Spec(1633, 4899, "jpeg"),   // 8 MP, 1:3 portrait
            new Spec(2828, 2828, "png"),    // 8 MP, square
            new Spec(6000, 4000, "jpeg"),   // 24 MP, 3:2
            new Spec(2830, 8485, "jpeg"),   // 24 MP, 1:3 portrait
            new Spec(4899, 4899, "png"));   // 24 MP, square

    private BenchImages() {
    }

    /** Writes the images that are not there yet; returns their paths in spec order. */
    static List<Path> ensure(Path dir, List<Spec> specs) throws IOException {
        Files.createDirectories(dir);
        List<Path> paths = new ArrayList<>();
        for (Spec s : specs) {
            Path p = dir.resolve(s.fileName());
            if (!Files.exists(p)) {
                Path tmp = dir.resolve(s.fileName() + ".tmp");
                Files.write(tmp, encode(draw(s.width(), s.height(), s.fileName().hashCode()), s.format()));
                Files.move(tmp, p);
            }
            paths.add(p);
        }
        return paths;
    }

    static BufferedImage draw(int width, int height, long seed) {
        return draw(width, height, seed, true);
    }

    /** @param noise add sensor-like noise; without it a PNG compresses far more (a 50 MP PNG stays under 50 MiB) */
    static BufferedImage draw(int width, int height, long seed, boolean noise) {
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[width];
        float r0 = random.nextFloat() * 255, g0 = random.nextFloat() * 255, b0 = random.nextFloat() * 255;
        for (int y = 0; y < height; y++) {
            float fy = y / (float) height;
            for (int x = 0; x < width; x++) {
                float fx = x / (float) width;
                int r = clamp(r0 * (1 - fx) + 200 * fx * fy);
                int g = clamp(g0 * (1 - fy) + 120 * fx);
                int b = clamp(b0 * fx + 90 * (float) Math.sin(6 * fy));
                row[x] = (r << 16) | (g << 8) | b;
            }
            image.setRGB(0, y, width, 1, row, 0, width);
        }
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        int unit = Math.min(width, height);
        for (int i = 0; i < 40; i++) {
            g.setColor(new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256), 80 + random.nextInt(170)));
            int x = random.nextInt(width), y = random.nextInt(height), w = 1 + random.nextInt(unit / 3), h = 1 + random.nextInt(unit / 3);
            switch (i % 3) {
                case 0 -> g.fillOval(x - w / 2, y - h / 2, w, h);
                case 1 -> g.fillRect(x - w / 2, y - h / 2, w, h);
                default -> {
                    g.setStroke(new BasicStroke(1 + random.nextInt(Math.max(2, unit / 100))));
                    g.drawLine(x, y, random.nextInt(width), random.nextInt(height));
                }
            }
        }
        g.dispose();
        if (!noise) return image;
        // Sensor-like noise: JPEG and PNG must work for their bytes, as on photos.
        for (int y = 0; y < height; y++) {
            image.getRGB(0, y, width, 1, row, 0, width);
            for (int x = 0; x < width; x++) {
                int p = row[x], n = random.nextInt(9) - 4;
                row[x] = (clamp(((p >> 16) & 255) + n) << 16) | (clamp(((p >> 8) & 255) + n) << 8) | clamp((p & 255) + n);
            }
            image.setRGB(0, y, width, 1, row, 0, width);
        }
        return image;
    }

    static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (format.equals("jpeg")) {
            ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.9f);
            try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
                writer.setOutput(out);
                writer.write(null, new IIOImage(image, null, null), param);
            } finally {
                writer.dispose();
            }
        } else if (!ImageIO.write(image, format, bytes)) {
            throw new IOException("no ImageIO writer for " + format);
        }
        return bytes.toByteArray();
    }

    private static int clamp(float v) {
        return Math.max(0, Math.min(255, Math.round(v)));
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
