package dev.sieve.export;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import dev.sieve.fetch.FileRoot;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Puts one {@code file:} image into an export folder, read through the {@link FileRoot} (the worker's rules) when it
 * is placed: a copy is read from the channel the root opened, never from the raw path; a link points at the real
 * path the root checked, never at the URI's text. A problem with one image is returned, never thrown.
 */
final class FilePlacer {
    private final FileRoot files;
    private final ExportConfig.FileMode mode;

    FilePlacer(FileRoot files, ExportConfig.FileMode mode) {
        this.files = files;
        this.mode = mode;
    }

    /** Places {@code uri} at {@code target} (replacing what is there); empty when done, else what went wrong. */
    Optional<ExportProblem> place(String folder, String id, String uri, Path target) {
        FileRoot.LocalFile file;
        try {
            file = files.resolve(uri);
            try (SeekableByteChannel channel = files.open(file)) {
                // Deleted first: writing through a link left by an earlier run would overwrite the file it points at.
                Files.deleteIfExists(target);
                if (mode == ExportConfig.FileMode.COPY) {
                    copy(channel, target);
                } else {
                    Files.createSymbolicLink(target, file.real());
                }
            }
            return Optional.empty();
        } catch (StageException e) {
            return Optional.of(new ExportProblem(folder, id, uri, e.stage(), e.code(), e.getMessage()));
        } catch (IOException | RuntimeException e) {
            return Optional.of(new ExportProblem(folder, id, uri, Stage.EMIT, FailureCode.INTERNAL,
                    "cannot place it at " + target + ": " + e));
        }
    }

    /** Copies the bytes the file had when it was opened: a file that keeps growing does not fill the disk. */
    private static void copy(SeekableByteChannel from, Path target) throws IOException {
        long left = from.size();
        try (InputStream in = Channels.newInputStream(from);
             OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] buffer = new byte[64 * 1024];
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) break;
                out.write(buffer, 0, n);
                left -= n;
            }
        }
    }
}
