package dev.sieve.export;

import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One image the export could not place, as a failed record says it: stage FETCH when reading it was refused or
 * failed (outside the file root, missing, a link swapped in), EMIT when writing it into the folder failed.
 *
 * @param folder the bucket (or class) folder, relative to the export's root
 * @param id the image's id; empty when a whole folder failed
 */
public record ExportProblem(String folder, String id, String uri, Stage stage, FailureCode code, String message) {

    static final String HEADER = TsvFields.row("folder", "id", "uri", "stage", "code", "message");

    String row() {
        return TsvFields.row(folder, id, uri, stage.name(), code.name(), message);
    }

    /** Writes {@code problems.tsv} under {@code out}, header only when there is none (no stale list from a run before). */
    static void writeAll(Path out, List<ExportProblem> problems) throws IOException {
        try (Writer w = Files.newBufferedWriter(out.resolve("problems.tsv"), StandardCharsets.UTF_8)) {
            w.write(HEADER);
            for (ExportProblem p : problems) w.write(p.row());
        }
    }
}
