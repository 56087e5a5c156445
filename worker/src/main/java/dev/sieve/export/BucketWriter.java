package dev.sieve.export;

import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one exported bucket: a folder holding {@code manifest.tsv} (a row per image, whatever its URI) and the images
 * that can be placed next to it. Both layouts go through it — bucket folders ({@link Exporter}) and city96's training
 * set ({@link DatasetExport}) — so how a file lands (the file root's rules, links or copies, http(s) through the
 * optional {@link RemoteImageFetch}, the problem recorded when it cannot) is written once; a layout decides only the
 * folder, the manifest's columns and which images take a file. Another layout (WebDataset shards, an object store)
 * is another writer with the same {@link #write} contract.
 */
final class BucketWriter {
    private static final Logger LOG = LoggerFactory.getLogger(BucketWriter.class);

    /** How one image ended; only {@code PLACED} and {@code FETCHED} put a file in the folder. */
    enum Placement { PLACED, FETCHED, LISTED_ONLY, MISSING, REFUSED, FAILED }

    /** One manifest row: the image's id and URI, then the layout's own columns. */
    record Row(String id, String uri, List<String> columns) {}

    private final Path root;
    private final FilePlacer placer;
    private final Optional<RemoteImageFetch> remote;
    private final Function<URI, Optional<String>> fileExtension;
    private final List<ExportProblem> problems;

    /**
     * @param fileExtension the extension an image's file takes, or empty when the layout lists it only
     * @param problems where each {@code file:} image that was not placed is added, with why
     */
    BucketWriter(Path root, FilePlacer placer, Optional<RemoteImageFetch> remote,
                 Function<URI, Optional<String>> fileExtension, List<ExportProblem> problems) {
        this.root = root;
        this.placer = placer;
        this.remote = remote;
        this.fileExtension = fileExtension;
        this.problems = problems;
    }

    /** Any file: the extension of the URI's path (possibly none). */
    static Optional<String> anyExtension(URI uri) {
        return Optional.of(PathSegments.extension(uri.getPath()));
    }

    /** Only local files with one of {@code extensions} (compared lower-case, written lower-case). */
    static Function<URI, Optional<String>> localFilesWith(Collection<String> extensions) {
        return uri -> {
            String ext = PathSegments.extension(uri.getPath()).toLowerCase(Locale.ROOT);
            return "file".equalsIgnoreCase(uri.getScheme()) && extensions.contains(ext) ? Optional.of(ext) : Optional.empty();
        };
    }

    /**
     * Writes {@code folder} (relative to the root): the manifest with {@code header} and one row per entry in the
     * order given, and each image's file. Returns how many images ended each way.
     */
    Map<Placement, Long> write(Path folder, List<String> header, Collection<Row> rows) throws IOException {
        Path dir = root.resolve(folder);
        Files.createDirectories(dir);
        Map<Placement, Long> counts = new EnumMap<>(Placement.class);
        try (Writer manifest = Files.newBufferedWriter(dir.resolve("manifest.tsv"), StandardCharsets.UTF_8)) {
            manifest.write(TsvFields.row(header.toArray(String[]::new)));
            for (Row row : rows) {
                manifest.write(TsvFields.row(Stream.concat(Stream.of(row.id(), row.uri()), row.columns().stream())
                        .toArray(String[]::new)));
                counts.merge(place(folder, dir, row), 1L, Long::sum);
            }
        }
        return counts;
    }

    private Placement place(Path folder, Path dir, Row row) {
        URI uri;
        try {
            uri = new URI(row.uri());
        } catch (URISyntaxException e) {
            return Placement.MISSING;
        }
        Optional<String> ext = fileExtension.apply(uri);
        if (ext.isEmpty()) return Placement.LISTED_ONLY;
        Path target = dir.resolve(PathSegments.fileName(row.id(), ext.get()));
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "file" -> {
                Optional<ExportProblem> problem = placer.place(folder.toString(), row.id(), row.uri(), target);
                if (problem.isEmpty()) return Placement.PLACED;
                problems.add(problem.get());
                LOG.warn("{} in {}: listed in the manifest only: {}", row.id(), dir, problem.get().message());
                if (problem.get().stage() == Stage.EMIT) return Placement.FAILED;
                return problem.get().code() == FailureCode.NOT_FOUND ? Placement.MISSING : Placement.REFUSED;
            }
            case "http", "https" -> {
                if (remote.isEmpty()) return Placement.LISTED_ONLY;
                try {
                    remote.get().fetchTo(uri, target);
                    return Placement.FETCHED;
                } catch (IOException | RuntimeException e) {
                    LOG.warn("{}: fetching {} failed, listed in the manifest only: {}", row.id(), uri, e.getMessage());
                    return Placement.LISTED_ONLY;
                }
            }
            default -> {
                return Placement.MISSING;
            }
        }
    }
}
