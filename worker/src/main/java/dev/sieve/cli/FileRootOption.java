package dev.sieve.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --file-root} for the commands that read {@code file:} images after the worker scored them (export, review):
 * the same folder and the same rules as {@code sieve work --file-root}, applied again when the file is read.
 */
public final class FileRootOption {
    @Option(names = "--file-root", paramLabel = "DIR",
            description = "Read file: images only under DIR, with the worker's rules (give the worker's --file-root): the path "
                    + "normalised, symlinks resolved and checked, the file opened without following a link swapped in since. "
                    + "Default: none (file: images are listed, never read).")
    Path fileRoot;

    /** The folder, absolute; null when not given. */
    Path folder() {
        return fileRoot == null ? null : fileRoot.toAbsolutePath();
    }
}
