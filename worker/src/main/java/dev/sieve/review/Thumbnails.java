package dev.sieve.review;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import javax.imageio.ImageIO;

/**
 * Thumbnails made once and kept on disk: {@code <cache>/<sha256(uri, size)>.jpg}, the image scaled (Java2D, bilinear,
 * in steps of at most one half so it does not alias) to fit a square of {@code size}. Only {@code file:} images: the
 * review server fetches nothing from the network.
 */
public final class Thumbnails {
    private final Path cache;
    private final int size;

    public Thumbnails(Path cache, int size) {
        if (size < 16) throw new IllegalArgumentException("--thumbnail-size " + size + ": must be >= 16");
        this.cache = cache;
        this.size = size;
    }

    /** The cache key of {@code uri}; also the thumbnail's file name without extension. */
    public String key(String uri) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest((size + "\n" + uri).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The thumbnail file, made now if it is not on disk yet; empty when the image is not a readable local file. */
    public Optional<Path> get(String uri) throws IOException {
        Path file = cache.resolve(key(uri) + ".jpg");
        if (Files.isRegularFile(file)) return Optional.of(file);
        Optional<Path> source = localFile(uri);
        if (source.isEmpty()) return Optional.empty();
        BufferedImage image = ImageIO.read(source.get().toFile());
        if (image == null) return Optional.empty();
        Files.createDirectories(cache);
        // Written aside and moved in: two requests for one thumbnail never leave half a file behind.
        Path tmp = Files.createTempFile(cache, "thumb", ".tmp");
        try {
            if (!ImageIO.write(scale(image), "jpg", tmp.toFile())) throw new IOException("no JPEG writer");
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return Optional.of(file);
    }

    private static Optional<Path> localFile(String uri) {
        try {
            URI u = URI.create(uri);
            if (!"file".equals(u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT))) return Optional.empty();
            Path p = Path.of(u);
            return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    BufferedImage scale(BufferedImage image) {
        double factor = Math.min(1.0, (double) size / Math.max(image.getWidth(), image.getHeight()));
        int targetW = Math.max(1, (int) Math.round(image.getWidth() * factor));
        int targetH = Math.max(1, (int) Math.round(image.getHeight() * factor));
        BufferedImage current = toRgb(image);
        while (current.getWidth() != targetW || current.getHeight() != targetH) {
            int w = Math.max(targetW, current.getWidth() / 2);
            int h = Math.max(targetH, current.getHeight() / 2);
            BufferedImage next = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = next.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(current, 0, 0, w, h, null);
            g.dispose();
            current = next;
        }
        return current;
    }

    /** JPEG has no alpha: composite on white (a thumbnail is for the eye, unlike the model's alpha handling). */
    private static BufferedImage toRgb(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_INT_RGB) return image;
        BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.drawImage(image, 0, 0, null);
        g.dispose();
        return rgb;
    }
}
