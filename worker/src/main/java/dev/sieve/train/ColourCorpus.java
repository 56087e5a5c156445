package dev.sieve.train;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * Images whose class is a visible property, so that the truth is known and a head on the fixture CLIP (random
 * weights) can learn it: class k's images are dominated by hue {@code k / classes} of the colour wheel, under random
 * shapes of random grey levels and sizes. Every image differs (seeded), a third of them are large enough to be tiled.
 */
public final class ColourCorpus {
    private final int classes;
    private final long seed;

    public ColourCorpus(int classes, long seed) {
        if (classes < 2) throw new IllegalArgumentException("a corpus needs at least two classes, got " + classes);
        this.classes = classes;
        this.seed = seed;
    }

    /** The class of image {@code i}: the images cycle through the classes. */
    public int classOf(int i) {
        return i % classes;
    }

    /** Image {@code i} as PNG bytes. */
    public byte[] png(int i) {
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + i);
        boolean large = i % 3 == 0;
        int width = large ? 700 + random.nextInt(200) : 200 + random.nextInt(300);
        int height = large ? 700 + random.nextInt(200) : 200 + random.nextInt(300);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        float hue = (float) classOf(i) / classes + (float) (random.nextDouble() - 0.5) * 0.12f;
        g.setColor(Color.getHSBColor(hue, 0.55f + 0.4f * (float) random.nextDouble(), 0.5f + 0.45f * (float) random.nextDouble()));
        g.fillRect(0, 0, width, height);
        for (int s = 0, shapes = 4 + random.nextInt(8); s < shapes; s++) {
            int grey = random.nextInt(256);
            g.setColor(new Color(grey, grey, grey));
            int w = 10 + random.nextInt(width / 4), h = 10 + random.nextInt(height / 4);
            int x = random.nextInt(width - w), y = random.nextInt(height - h);
            if (random.nextBoolean()) g.fillRect(x, y, w, h);
            else g.fillOval(x, y, w, h);
        }
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
