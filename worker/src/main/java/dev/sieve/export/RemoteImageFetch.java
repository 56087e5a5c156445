package dev.sieve.export;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/**
 * The hook for saving copies of http(s) images into bucket folders. The exporter always lists such images in the
 * bucket's {@code manifest.tsv}; when a fetch is given to {@link Exporter#run(ExportConfig, String, java.util.Optional,
 * java.io.PrintStream)} it also saves each one as {@code <id><ext>} next to the manifest. Meant to be backed by the
 * worker's fetcher (same address policy, size bounds and timeouts); without one, nothing is downloaded.
 */
@FunctionalInterface
public interface RemoteImageFetch {

    /** Saves the image at {@code uri} to {@code target} (the exporter chose the name; replace what is there). */
    void fetchTo(URI uri, Path target) throws IOException;
}
