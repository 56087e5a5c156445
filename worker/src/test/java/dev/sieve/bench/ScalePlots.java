package dev.sieve.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** The scale bench's two PNGs, drawn with java.awt (headless): no plotting dependency. */
final class ScalePlots {
    private static final int W = 760, H = 420, LEFT = 70, RIGHT = 200, TOP = 40, BOTTOM = 50;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)};

    private ScalePlots() {}

    /** images/s against workers, one line per mode and partition count, plus each line's linear reference. */
    static void throughputVsWorkers(List<ScaleBench.Point> points, Path file) throws IOException {
        Map<String, List<ScaleBench.Point>> series = new LinkedHashMap<>();
        for (ScaleBench.Point p : points) series.computeIfAbsent(p.mode() + ", " + p.partitions() + " partitions", k -> new ArrayList<>()).add(p);
        double maxX = points.stream().mapToInt(ScaleBench.Point::workers).max().orElse(1);
        double maxY = 1;
        for (ScaleBench.Point p : points) {
            maxY = Math.max(maxY, p.imagesPerS());
            maxY = Math.max(maxY, p.imagesPerS() / Math.max(1e-9, p.ratioToLinear()));
        }
        maxY *= 1.1;
        BufferedImage img = canvas();
        Graphics2D g = img.createGraphics();
        setup(g);
        axes(g, "worker processes", "images/s", 0, maxX, maxY, "sieve scale-out: throughput vs workers (simulated accelerator)");
        int i = 0;
        for (var e : series.entrySet()) {
            Color c = COLORS[i % COLORS.length];
            List<ScaleBench.Point> ps = e.getValue();
            double single = ps.get(0).imagesPerS() / ps.get(0).workers();
            g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 90));
            g.setStroke(new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {5, 4}, 0));
            g.drawLine(x(0, maxX), y(0, maxY), x(maxX, maxX), y(Math.min(maxY, single * maxX), maxY));
            g.setColor(c);
            g.setStroke(new BasicStroke(2.2f));
            for (int k = 0; k < ps.size(); k++) {
                int px = x(ps.get(k).workers(), maxX), py = y(ps.get(k).imagesPerS(), maxY);
                g.fillOval(px - 4, py - 4, 8, 8);
                if (k > 0) g.drawLine(x(ps.get(k - 1).workers(), maxX), y(ps.get(k - 1).imagesPerS(), maxY), px, py);
            }
            legend(g, i, e.getKey(), c);
            i++;
        }
        legend(g, i, "dashed: linear", Color.GRAY);
        write(img, file);
    }

    /** Completions per second during the elasticity run, the events as vertical lines. */
    static void elasticity(int[] perSecond, Map<String, Long> eventsMs, Path file) throws IOException {
        double maxX = Math.max(1, perSecond.length);
        double maxY = 1;
        for (int v : perSecond) maxY = Math.max(maxY, v);
        maxY *= 1.15;
        BufferedImage img = canvas();
        Graphics2D g = img.createGraphics();
        setup(g);
        axes(g, "seconds", "images/s (1 s buckets)", 0, maxX, maxY, "elasticity, group mode, 8 partitions (simulated accelerator)");
        g.setColor(COLORS[0]);
        g.setStroke(new BasicStroke(2f));
        for (int s = 1; s < perSecond.length; s++) {
            g.drawLine(x(s - 0.5, maxX), y(perSecond[s - 1], maxY), x(s + 0.5, maxX), y(perSecond[s], maxY));
        }
        int i = 0;
        for (var e : eventsMs.entrySet()) {
            Color c = COLORS[(i + 1) % COLORS.length];
            int px = x(e.getValue() / 1000.0, maxX);
            g.setColor(c);
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
            g.drawLine(px, TOP, px, H - BOTTOM);
            legend(g, i, e.getKey(), c);
            i++;
        }
        write(img, file);
    }

    private static BufferedImage canvas() {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.dispose();
        return img;
    }

    private static void setup(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    }

    private static void axes(Graphics2D g, String xLabel, String yLabel, double minX, double maxX, double maxY, String title) {
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f));
        g.drawLine(LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM);
        g.drawLine(LEFT, TOP, LEFT, H - BOTTOM);
        for (int k = 0; k <= 5; k++) {
            double vy = maxY * k / 5, vx = maxX * k / 5;
            g.setColor(new Color(0xdddddd));
            g.drawLine(LEFT + 1, y(vy, maxY), W - RIGHT, y(vy, maxY));
            g.setColor(Color.BLACK);
            g.drawString(String.format("%.0f", vy), LEFT - 45, y(vy, maxY) + 4);
            g.drawString(String.format(maxX <= 10 ? "%.1f" : "%.0f", vx), x(vx, maxX) - 8, H - BOTTOM + 18);
        }
        g.drawString(xLabel, (LEFT + W - RIGHT) / 2 - 40, H - 12);
        g.drawString(yLabel, LEFT + 6, TOP + 12);
        g.setFont(g.getFont().deriveFont(Font.BOLD, 13f));
        g.drawString(title, LEFT, 20);
        g.setFont(g.getFont().deriveFont(Font.PLAIN, 12f));
    }

    private static void legend(Graphics2D g, int i, String text, Color c) {
        int ly = TOP + 10 + i * 18;
        g.setColor(c);
        g.setStroke(new BasicStroke(2.5f));
        g.drawLine(W - RIGHT + 12, ly, W - RIGHT + 32, ly);
        g.setColor(Color.BLACK);
        g.drawString(text, W - RIGHT + 38, ly + 4);
    }

    private static int x(double v, double maxX) {
        return LEFT + (int) Math.round(v / maxX * (W - LEFT - RIGHT));
    }

    private static int y(double v, double maxY) {
        return H - BOTTOM - (int) Math.round(v / maxY * (H - TOP - BOTTOM));
    }

    private static void write(BufferedImage img, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }
}
