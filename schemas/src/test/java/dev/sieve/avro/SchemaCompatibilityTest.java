package dev.sieve.avro;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Consumers of images.scored and images.failed upgrade on their own schedule: a new worker must be readable
 * by the previous release's readers' data and vice versa. Every released copy under schemas/released/ is
 * checked against the current schema in both directions.
 */
class SchemaCompatibilityTest {

    static final Path CURRENT = Path.of("src/main/avro");
    static final Path RELEASED = Path.of("released");

    static Stream<Path> releasedSchemas() throws IOException {
        try (Stream<Path> files = Files.walk(RELEASED)) {
            List<Path> all = files.filter(p -> p.toString().endsWith(".avsc")).sorted().toList();
            return all.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("releasedSchemas")
    void currentSchemaReadsWhatTheReleasedOneWrote(Path released) throws IOException {
        Schema current = parseCurrent(released.getFileName().toString());
        Schema old = parseWithImageRef(released.getParent(), released.getFileName().toString());

        var backward = SchemaCompatibility.checkReaderWriterCompatibility(current, old);
        assertThat(backward.getType()).as(backward.getDescription()).isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        var forward = SchemaCompatibility.checkReaderWriterCompatibility(old, current);
        assertThat(forward.getType()).as(forward.getDescription()).isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    @Test
    void everyCurrentSchemaHasAReleasedCopy() throws IOException {
        try (Stream<Path> files = Files.list(CURRENT)) {
            for (Path p : files.toList()) {
                assertThat(releasedSchemas().map(r -> r.getFileName().toString()))
                        .as("released copy of %s", p.getFileName())
                        .contains(p.getFileName().toString());
            }
        }
    }

    @Test
    void checkerRejectsANewFieldWithoutDefault() throws IOException {
        // Guards the guard: the check above must be able to fail.
        Schema old = parseCurrent("ImageRef.avsc");
        String broken = Files.readString(CURRENT.resolve("ImageRef.avsc"))
                .replace("\"fields\": [", "\"fields\": [ {\"name\": \"extra\", \"type\": \"string\"},");
        Schema current = new Schema.Parser().parse(broken);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, old).getType())
                .isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    @Test
    void everyFieldIsDocumented() throws IOException {
        for (String file : List.of("ImageRef.avsc", "ScoredImage.avsc", "FailedImage.avsc", "Correction.avsc", "ImageEmbeddings.avsc")) {
            assertDocumented(parseCurrent(file));
        }
    }

    private static void assertDocumented(Schema record) {
        assertThat(record.getDoc()).as("doc of %s", record.getFullName()).isNotBlank();
        for (Schema.Field f : record.getFields()) {
            assertThat(f.doc()).as("doc of %s.%s", record.getName(), f.name()).isNotBlank();
            Schema s = f.schema();
            if (s.getType() == Schema.Type.ARRAY) s = s.getElementType();
            if (s.getType() == Schema.Type.RECORD && !s.getName().equals("ImageRef") && !s.getName().equals(record.getName())) {
                assertDocumented(s);
            }
        }
    }

    private static Schema parseCurrent(String file) throws IOException {
        return parseWithImageRef(CURRENT, file);
    }

    private static Schema parseWithImageRef(Path dir, String file) throws IOException {
        Schema.Parser parser = new Schema.Parser();
        Schema ref = parser.parse(dir.resolve("ImageRef.avsc").toFile());
        return file.equals("ImageRef.avsc") ? ref : parser.parse(dir.resolve(file).toFile());
    }
}
