package dev.sieve.review;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.FileRoot;
import dev.sieve.image.decode.DecodeOptions;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Thumbnails made once and kept on disk: {@code <cache>/<sha256(uri, size)>.jpg}, the image scaled (Java2D, bilinear,
 * in steps of at most one half so it does not alias) to fit a square of {@code size}. Only {@code file:} images under
 * the {@link FileRoot}, checked on every request (a cached thumbnail is served only while its file still passes): the
 * review server fetches nothing from the network.
 *
 * <p>Bounded like the worker's decoder: a file over {@link #MAX_BYTES} or an image over {@link #MAX_PIXELS} (read from
 * its header) is refused before a pixel is decoded, and the decoder skips rows and columns (source subsampling) so
 * that it holds about twice the thumbnail's size, never the whole image: a 169 MP PNG costs a few megabytes, not 676.
 */
public final class Thumbnails {
    /** The worker's default {@code --max-bytes}: nothing larger was ever scored. */
    static final long MAX_BYTES = FetchConfig.defaults().maxBytes();
    /** The worker's default {@code --max-pixels} (Pillow's refusal threshold). */
    static final long MAX_PIXELS = DecodeOptions.defaults().maxPixels();

    private final Path cache;
    private final int size;
    private final FileRoot files;

    public Thumbnails(Path cache, int size, FileRoot files) {
        if (size < 16) throw new IllegalArgumentException("--thumbnail-size " + size + ": must be >= 16");
        this.cache = cache;
        this.size = size;
        this.files = files;
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

    /**
     * The thumbnail file, made now if it is not on disk yet.
     *
     * @throws StageException when the image is not a file under the root (any other scheme: UNSUPPORTED_SCHEME), is
     *         missing, too large, or cannot be decoded
     * @throws IOException when the thumbnail cannot be written
     */
    public Path get(String uri) throws StageException, IOException {
        // Resolved on every request, so a file swapped for a link since the thumbnail was made is refused now.
        FileRoot.LocalFile local = files.resolve(uri);
        Path file = cache.resolve(key(uri) + ".jpg");
        if (Files.isRegularFile(file)) return file;
        BufferedImage image = decode(local);
        Files.createDirectories(cache);
        // Written aside and moved in: two requests for one thumbnail never leave half a file behind.
        Path tmp = Files.createTempFile(cache, "thumb", ".tmp");
        try {
            if (!ImageIO.write(scale(image), "jpg", tmp.toFile())) throw new IOException("no JPEG writer");
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return file;
    }

    /** Decodes through the channel the root opened, refusing a bomb from its header, subsampled toward 2 x size. */
    private BufferedImage decode(FileRoot.LocalFile local) throws StageException {
        try (SeekableByteChannel channel = files.open(local);
             ImageInputStream in = ImageIO.createImageInputStream(Channels.newInputStream(channel))) {
            if (channel.size() > MAX_BYTES) {
                throw fail(FailureCode.TOO_LARGE, local.uri() + " has " + channel.size() + " bytes, over the limit of " + MAX_BYTES);
            }
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) throw fail(FailureCode.NOT_AN_IMAGE, local.uri() + " is not an image ImageIO reads");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long width = reader.getWidth(0);
                long height = reader.getHeight(0);
                if (width * height > MAX_PIXELS) {
                    throw fail(FailureCode.TOO_MANY_PIXELS, local.uri() + " is " + width + "x" + height + " = " + width * height
                            + " pixels, over the limit of " + MAX_PIXELS);
                }
                ImageReadParam param = reader.getDefaultReadParam();
                int step = (int) Math.max(1, Math.max(width, height) / (2L * size));
                param.setSourceSubsampling(step, step, 0, 0);
                return reader.read(0, param);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw fail(FailureCode.CORRUPT_IMAGE, "cannot decode " + local.uri() + ": " + e);
        }
    }

    private static StageException fail(FailureCode code, String message) {
        return new StageException(Stage.DECODE, code, message);
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
