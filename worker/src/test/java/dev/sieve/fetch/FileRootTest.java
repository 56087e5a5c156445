package dev.sieve.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules every reader of a {@code file:} image shares. The worker's view of them is in
 * {@code ImageFetcherFileTest}; these are the cases that reach past the fetcher: a path the kernel would resolve
 * elsewhere than its text, and a name swapped for a link between resolving and opening.
 */
class FileRootTest {
    @TempDir
    Path tmp;
    private Path root;
    private FileRoot files;

    @BeforeEach
    void layout() throws Exception {
        root = Files.createDirectories(tmp.resolve("root/sub"));
        root = tmp.resolve("root");
        Files.createDirectories(tmp.resolve("outside/d"));
        Files.writeString(root.resolve("x.png"), "inside");
        Files.writeString(root.resolve("sub/y.png"), "inside y");
        Files.writeString(tmp.resolve("outside/x.png"), "outside");
        Files.writeString(tmp.resolve("outside/y.png"), "outside y");
        Files.createSymbolicLink(root.resolve("dirlink"), tmp.resolve("outside/d"));
        files = FileRoot.of(root);
    }

    @Test
    void readsWhatTheTextNamesNotWhereTheKernelWouldGoThroughALink() throws Exception {
        // The kernel reads dirlink/../x.png as outside/x.png; normalised text says root/x.png.
        String uri = "file://" + root + "/dirlink/../x.png";
        assertThat(Files.readString(Path.of(java.net.URI.create(uri)))).as("what the raw path opens").isEqualTo("outside");

        assertThat(new String(files.read(java.net.URI.create(uri), 100).bytes(), StandardCharsets.UTF_8)).isEqualTo("inside");
    }

    @Test
    void refusesAFileSwappedForALinkBetweenResolvingAndOpening() throws Exception {
        FileRoot.LocalFile resolved = files.resolve(root.resolve("x.png").toUri().toString());
        Files.delete(root.resolve("x.png"));
        Files.createSymbolicLink(root.resolve("x.png"), tmp.resolve("outside/x.png"));

        assertThat(code(() -> files.open(resolved))).isEqualTo(FailureCode.OUTSIDE_ROOT);
    }

    @Test
    void refusesAFolderSwappedForALinkBetweenResolvingAndOpening() throws Exception {
        FileRoot.LocalFile resolved = files.resolve(root.resolve("sub/y.png").toUri().toString());
        Files.move(root.resolve("sub"), tmp.resolve("sub-moved"));
        Files.createSymbolicLink(root.resolve("sub"), tmp.resolve("outside"));

        assertThat(code(() -> files.open(resolved))).isEqualTo(FailureCode.OUTSIDE_ROOT);
    }

    @Test
    void opensAnUnchangedFile() throws Exception {
        FileRoot.LocalFile resolved = files.resolve(root.resolve("sub/y.png").toUri().toString());
        try (SeekableByteChannel channel = files.open(resolved)) {
            ByteBuffer buffer = ByteBuffer.allocate(64);
            channel.read(buffer);
            assertThat(new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8)).isEqualTo("inside y");
        }
    }

    @Test
    void refusesEverythingWithoutARootAndOtherSchemes() {
        assertThat(code(() -> FileRoot.NONE.resolve(root.resolve("x.png").toUri().toString()))).isEqualTo(FailureCode.OUTSIDE_ROOT);
        assertThat(code(() -> files.resolve("https://example.org/x.png"))).isEqualTo(FailureCode.UNSUPPORTED_SCHEME);
        assertThat(code(() -> files.resolve("file://" + root + "/%ZZ"))).isEqualTo(FailureCode.BAD_REFERENCE);
    }

    private interface Call {
        Object run() throws Exception;
    }

    private static FailureCode code(Call call) {
        StageException e = catchThrowableOfType(() -> {
            Object result = call.run();
            if (result instanceof AutoCloseable c) c.close();
        }, StageException.class);
        assertThat(e).as("a StageException").isNotNull();
        return e.code();
    }
}
