package dev.sieve.fetch;

import dev.sieve.StageException;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Reads {@code file:} references inside the configured {@link FileRoot}, the same rules export and review follow. */
final class FileSource implements ImageSource {
    private final FileRoot files;
    private final long maxBytes;
    /** File reads block: they run here, never on the caller's thread. */
    private final ExecutorService io = Executors.newFixedThreadPool(8, FetchThreads.daemon("sieve-fetch-file-"));

    FileSource(FetchConfig config) {
        this.files = FileRoot.of(config.fileRoot());
        this.maxBytes = config.maxBytes();
    }

    @Override
    public List<String> schemes() {
        return List.of("file");
    }

    @Override
    public CompletableFuture<Fetched> fetch(URI uri, BodyGate gate, long start) {
        CompletableFuture<Fetched> result = new CompletableFuture<>();
        // Even the size is read off the caller's thread (the worker's poll loop): a file system may block.
        CompletableFuture.supplyAsync(() -> sizeHint(uri), io).thenCompose(gate::admit).thenRunAsync(() -> {
            try {
                FileRoot.Read read = files.read(uri, maxBytes);
                result.complete(new Fetched(read.bytes(), read.file().real().toUri(), 1, System.nanoTime() - start));
            } catch (StageException | RuntimeException e) {
                result.completeExceptionally(e);
            }
        }, io).exceptionally(e -> {
            result.completeExceptionally(e);
            return null;
        });
        return result;
    }

    /** The most bytes a body may take, for the gate: the file's size, or the byte limit when that cannot be read. */
    private long sizeHint(URI uri) {
        return Math.min(maxBytes, files.size(uri).orElse(maxBytes)); // read() reports what is wrong
    }

    @Override
    public void close() {
        io.shutdownNow();
    }
}
