package dev.sieve.produce;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/** Command-line arguments: a URI is sent as it is, a folder is walked, a file becomes a file URI. */
final class ArgumentSource implements RefSource {

    private final List<String> args;
    private final boolean imagesOnly;

    ArgumentSource(List<String> args, boolean imagesOnly) {
        this.args = List.copyOf(args);
        this.imagesOnly = imagesOnly;
    }

    @Override
    public void forEach(Consumer<SourceEntry> sink) throws IOException {
        for (String arg : args) {
            if (RefSource.looksLikeUri(arg)) {
                sink.accept(new SourceEntry.Ref(null, arg, RefSource.CLI, arg));
                continue;
            }
            Path path;
            try {
                path = Path.of(arg);
            } catch (InvalidPathException e) {
                sink.accept(new SourceEntry.Rejected(arg, "neither a URI nor a path"));
                continue;
            }
            if (Files.isDirectory(path)) {
                new FolderSource(path, imagesOnly).forEach(sink);
            } else if (Files.exists(path)) {
                sink.accept(UriListSource.toRef(null, arg, RefSource.CLI, arg));
            } else {
                sink.accept(new SourceEntry.Rejected(arg, "no such file or folder"));
            }
        }
    }
}
