package dev.sieve.produce;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The files under a folder, recursively, in name order (so two runs send in the same order). Hidden entries
 * (names starting with a dot: {@code .git}, {@code .DS_Store}) are skipped; symbolic links to folders are not
 * followed (no loops), links to files are taken. By default every other regular file is sent, images or not:
 * the worker reports what it cannot decode, which is how a curator learns about junk in a dataset.
 */
final class FolderSource implements RefSource {

    static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff",
            "ico", "cur", "pbm", "pgm", "ppm", "pnm", "tga");

    private final Path folder;
    private final boolean imagesOnly;
    private final String sourceName;

    FolderSource(Path folder, boolean imagesOnly) {
        this.folder = folder.toAbsolutePath().normalize();
        this.imagesOnly = imagesOnly;
        Path name = this.folder.getFileName();
        this.sourceName = name == null ? RefSource.CLI : name.toString();
    }

    @Override
    public void forEach(Consumer<SourceEntry> sink) throws IOException {
        if (!Files.isDirectory(folder)) {
            sink.accept(new SourceEntry.Rejected(folder.toString(), "not a folder"));
            return;
        }
        walk(folder, sink);
    }

    static boolean isImageName(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot >= 0 && IMAGE_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private void walk(Path dir, Consumer<SourceEntry> sink) {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (!p.getFileName().toString().startsWith(".")) children.add(p);
            }
        } catch (IOException e) {
            sink.accept(new SourceEntry.Rejected(dir.toString(), "cannot list folder: " + e));
            return;
        }
        children.sort(null);
        for (Path p : children) {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                walk(p, sink);
            } else if (Files.isRegularFile(p) && (!imagesOnly || isImageName(p))) {
                sink.accept(new SourceEntry.Ref(null, p.toUri().toString(), sourceName, p.toString()));
            }
        }
    }
}
