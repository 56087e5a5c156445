package dev.sieve.fetch;

import dev.sieve.config.Setting;
import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The folder {@code file:} images must lie in, and the one way every reader opens one: the worker's fetcher, the
 * exporter (link, copy, dataset) and the review page's thumbnails. The rules, applied each time a file is read:
 *
 * <ol>
 *   <li>the URI's path is made absolute and normalised as text ({@code a/../b} is {@code b}) and must lie under the
 *       root as text: nothing outside is even looked up, so its existence is not revealed;
 *   <li>its real path (every symbolic link resolved) must lie under the root's real path: a link that stays inside
 *       is followed, one that leads out is {@code OUTSIDE_ROOT};
 *   <li>it is opened from the real root one name at a time without following any link ({@code openat} with
 *       {@code O_NOFOLLOW}, through {@link SecureDirectoryStream}), so a name swapped for a link after step 2 is
 *       refused, never followed; it must be a regular file.
 * </ol>
 *
 * Why text first and then the real path: the kernel resolves {@code dirlink/..} through the link, the text does not.
 * The worker scores what the text names; every reader must open that same file, never where the kernel would go.
 */
public final class FileRoot {
    /**
     * {@code --file-root} of the commands that read {@code file:} images after the worker scored them (export, review):
     * the same folder and the same rules as {@code sieve work --file-root}, applied again when the file is read.
     */
    public static final Setting<Path> READ_ROOT = Setting.path("file-root", null)
            .noDefault("none (file: images are listed, never read)").paramLabel("DIR")
            .doc("Read file: images only under DIR, with the worker's rules (give the worker's --file-root): the path "
                    + "normalised, symlinks resolved and checked, the file opened without following a link swapped in since.");
    /** No root: every {@code file:} URI is refused. */
    public static final FileRoot NONE = new FileRoot(null, null);

    private final Path root;
    private final Path realRoot;

    private FileRoot(Path root, Path realRoot) {
        this.root = root;
        this.realRoot = realRoot;
    }

    /**
     * The root at {@code folder} (which must exist); {@link #NONE} for null.
     *
     * @throws IllegalArgumentException when the folder does not exist or is not a folder
     */
    public static FileRoot of(Path folder) {
        if (folder == null) return NONE;
        Path absolute = folder.toAbsolutePath().normalize();
        try {
            Path real = absolute.toRealPath();
            if (!Files.isDirectory(real)) {
                throw new IllegalArgumentException("Invalid option for fileRoot: " + folder + " (not a folder)");
            }
            return new FileRoot(absolute, real);
        } catch (IOException e) {
            throw new IllegalArgumentException("Invalid option for fileRoot: " + folder + " (" + e + ")", e);
        }
    }

    /** The root as configured (absolute, normalised); empty for {@link #NONE}. */
    public Optional<Path> folder() {
        return Optional.ofNullable(root);
    }

    /**
     * A {@code file:} URI that passed the rules: {@code real} is the file it names, inside the real root, with no link
     * in its path.
     */
    public record LocalFile(String uri, Path real) {}

    /** A file read whole: its bytes and where they came from. */
    public record Read(LocalFile file, byte[] bytes) {}

    /** Parses {@code uri} (a {@code file:} URI as text) and applies rules 1 and 2. */
    public LocalFile resolve(String uri) throws StageException {
        URI parsed;
        try {
            parsed = new URI(uri == null ? "" : uri.strip());
        } catch (URISyntaxException e) {
            throw failure(FailureCode.BAD_REFERENCE, "not a valid URI: " + e.getMessage(), e);
        }
        if (!"file".equals(parsed.getScheme() == null ? null : parsed.getScheme().toLowerCase(Locale.ROOT))) {
            throw failure(FailureCode.UNSUPPORTED_SCHEME, "not a file URI: " + uri, null);
        }
        return resolve(parsed);
    }

    /** Applies rules 1 and 2 to a parsed {@code file:} URI. */
    public LocalFile resolve(URI uri) throws StageException {
        if (root == null) {
            throw failure(FailureCode.OUTSIDE_ROOT, "file URIs are refused (no file root is configured): " + uri, null);
        }
        Path path;
        try {
            path = Path.of(uri).toAbsolutePath().normalize();
        } catch (IllegalArgumentException | FileSystemNotFoundException e) {
            throw failure(FailureCode.BAD_REFERENCE, "not a usable file URI: " + uri + " (" + e.getMessage() + ")", e);
        }
        if (!path.startsWith(root) && !path.startsWith(realRoot)) {
            throw failure(FailureCode.OUTSIDE_ROOT, uri + " is outside the file root " + root, null);
        }
        try {
            Path real = path.toRealPath();
            if (!real.startsWith(realRoot)) {
                throw failure(FailureCode.OUTSIDE_ROOT, uri + " leads (through a symbolic link) to " + real
                        + ", outside the file root " + realRoot, null);
            }
            if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                throw failure(FailureCode.NOT_FOUND, uri + " is not a regular file", null);
            }
            return new LocalFile(uri.toString(), real);
        } catch (IOException e) {
            throw readFailure(uri.toString(), e);
        }
    }

    /**
     * Rule 3: opens {@code file} for reading, walking from the real root without following links. The caller closes
     * the channel; its {@code size()} is the opened file's own.
     */
    public SeekableByteChannel open(LocalFile file) throws StageException {
        Path relative = realRoot.relativize(file.real());
        try (DirectoryStream<Path> top = Files.newDirectoryStream(realRoot)) {
            if (top instanceof SecureDirectoryStream<Path> secure) return openBelow(secure, relative, file);
            // No openat on this platform (Windows): the last name at least is opened without following a link.
            return Files.newByteChannel(file.real(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw readFailure(file.uri(), e);
        }
    }

    private static SeekableByteChannel openBelow(SecureDirectoryStream<Path> top, Path relative, LocalFile file)
            throws IOException, StageException {
        Deque<SecureDirectoryStream<Path>> opened = new ArrayDeque<>();
        try {
            SecureDirectoryStream<Path> dir = top;
            for (int i = 0; i < relative.getNameCount() - 1; i++) {
                dir = dir.newDirectoryStream(relative.getName(i), LinkOption.NOFOLLOW_LINKS);
                opened.push(dir);
            }
            Path name = relative.getFileName();
            BasicFileAttributes attributes = dir.getFileAttributeView(name, BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).readAttributes();
            if (attributes.isSymbolicLink()) throw swapped(file);
            if (!attributes.isRegularFile()) throw failure(FailureCode.NOT_FOUND, file.uri() + " is not a regular file", null);
            return dir.newByteChannel(name, Set.<OpenOption>of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
        } catch (NotDirectoryException e) {
            throw swapped(file);
        } catch (FileSystemException e) {
            // ELOOP: the JDK words it "... or unable to access attributes of symbolic link".
            if (e.getReason() != null && e.getReason().contains("symbolic link")) throw swapped(file);
            throw e;
        } finally {
            while (!opened.isEmpty()) opened.pop().close();
        }
    }

    /** Resolves, opens and reads {@code uri} whole, refusing more than {@code maxBytes}. */
    public Read read(URI uri, long maxBytes) throws StageException {
        LocalFile file = resolve(uri);
        try (SeekableByteChannel channel = open(file); InputStream in = Channels.newInputStream(channel)) {
            long size = channel.size();
            if (size > maxBytes) {
                throw failure(FailureCode.TOO_LARGE, uri + " has " + size + " bytes, over the limit of " + maxBytes, null);
            }
            byte[] bytes = in.readNBytes((int) Math.min(maxBytes + 1, Integer.MAX_VALUE));
            if (bytes.length > maxBytes) {
                throw failure(FailureCode.TOO_LARGE, uri + " grew over the limit of " + maxBytes
                        + " bytes while being read", null);
            }
            return new Read(file, bytes);
        } catch (IOException e) {
            throw readFailure(uri.toString(), e);
        }
    }

    /** The size of the file {@code uri} names, for a budget; empty when it cannot be read (then reading says why). */
    public Optional<Long> size(URI uri) {
        try {
            return Optional.of(Files.size(resolve(uri).real()));
        } catch (StageException | IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static StageException swapped(LocalFile file) {
        return failure(FailureCode.OUTSIDE_ROOT, file.uri() + " changed while being opened: a symbolic link now stands in "
                + "the path of " + file.real() + ", and links met after resolving are never followed", null);
    }

    private static StageException readFailure(String uri, IOException e) {
        if (e instanceof NoSuchFileException) return failure(FailureCode.NOT_FOUND, "no such file: " + uri, e);
        if (e instanceof AccessDeniedException) {
            return failure(FailureCode.NOT_FOUND, "file not readable (permission denied): " + uri, e);
        }
        return failure(FailureCode.NETWORK, "cannot read " + uri + ": " + e, e);
    }

    private static StageException failure(FailureCode code, String message, Throwable cause) {
        return new StageException(Stage.FETCH, code, message, 1, cause);
    }
}
