package dev.sieve.produce;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where references come from: a folder, a list of URIs, command-line arguments. A source streams its entries
 * to a sink, so a folder of millions of files or an endless stdin never sits in memory.
 */
@FunctionalInterface
public interface RefSource {

    /** Default {@code source} field for references that do not come from a folder. */
    String CLI = "cli";

    void forEach(Consumer<SourceEntry> sink) throws IOException;

    /** Every regular file under {@code folder} (recursively; hidden files and folders skipped), or only images. */
    static RefSource folder(Path folder, boolean imagesOnly) {
        return new FolderSource(folder, imagesOnly);
    }

    /** One URI (or path) per line; see {@link UriListSource}. */
    static RefSource uriList(Reader reader, String name) {
        return new UriListSource(reader, name);
    }

    /**
     * A CSV or JSON-lines table with the image's address in {@code urlColumn}; see {@link TableSource}.
     *
     * @param idColumn the column holding the id, or null to derive ids from the URIs
     */
    static RefSource table(Reader reader, String name, boolean jsonLines, String urlColumn, String idColumn) {
        return new TableSource(reader, name, jsonLines ? TableSource.Format.JSONL : TableSource.Format.CSV, urlColumn,
                idColumn);
    }

    /** WebDataset shards (a .tar file, or a folder of them): one {@code tar:} reference per image member. */
    static RefSource tarShards(Path shardOrFolder) {
        return new TarShardSource(shardOrFolder);
    }

    /** URIs, files and folders as given on a command line: a folder is walked, a path becomes a file URI. */
    static RefSource arguments(List<String> args, boolean imagesOnly) {
        return new ArgumentSource(args, imagesOnly);
    }

    /** The sources one after the other. */
    static RefSource concat(List<RefSource> sources) {
        return sink -> {
            for (RefSource s : sources) s.forEach(sink);
        };
    }

    /**
     * Whether {@code text} is written as a URI (a scheme of two or more letters, then a colon) rather than as a
     * path. Two letters at least, so that a Windows drive ({@code C:\img}) stays a path.
     */
    static boolean looksLikeUri(String text) {
        return UriListSource.URI_SCHEME.matcher(text).lookingAt();
    }
}
