package dev.sieve.produce;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RefSourceTest {

    @TempDir
    Path tmp;
    private Path folder;

    @BeforeEach
    void layout() throws IOException {
        folder = Files.createDirectories(tmp.resolve("anime"));
        Files.createDirectories(folder.resolve("sub/deeper"));
        Files.createDirectories(folder.resolve(".cache"));
        Files.write(folder.resolve("a.jpg"), new byte[] {1});
        Files.write(folder.resolve("sub/B.PNG"), new byte[] {2});
        Files.write(folder.resolve("sub/deeper/notes.txt"), new byte[] {3});
        Files.write(folder.resolve("sub/deeper/c.TIFF"), new byte[] {4});
        Files.write(folder.resolve(".DS_Store"), new byte[] {5});
        Files.write(folder.resolve(".cache/x.jpg"), new byte[] {6});
    }

    @Test
    void walksFolderRecursivelyTakingEveryVisibleFile() throws IOException {
        List<SourceEntry> entries = collect(RefSource.folder(folder, false));

        assertThat(entries).containsExactly(
                ref(folder.resolve("a.jpg")), ref(folder.resolve("sub/B.PNG")),
                ref(folder.resolve("sub/deeper/c.TIFF")), ref(folder.resolve("sub/deeper/notes.txt")));
    }

    @Test
    void keepsOnlyImageExtensionsWhenAsked() throws IOException {
        List<SourceEntry> entries = collect(RefSource.folder(folder, true));

        assertThat(entries).extracting(e -> ((SourceEntry.Ref) e).uri()).containsExactly(
                folder.resolve("a.jpg").toUri().toString(), folder.resolve("sub/B.PNG").toUri().toString(),
                folder.resolve("sub/deeper/c.TIFF").toUri().toString());
    }

    @Test
    void readsUriListWithCommentsIdsAndPaths() throws IOException {
        String list = String.join("\n",
                "# a comment",
                "https://example.com/1.jpg",
                "",
                "   ",
                "cat-42\thttps://example.com/2.png",
                folder.resolve("a.jpg").toString(),
                "\thttps://example.com/3.jpg",
                "  https://example.com/4.jpg  ");

        List<SourceEntry> entries = collect(RefSource.uriList(new StringReader(list), "urls.txt"));

        assertThat(entries).containsExactly(
                new SourceEntry.Ref(null, "https://example.com/1.jpg", "cli", "urls.txt:2"),
                new SourceEntry.Ref("cat-42", "https://example.com/2.png", "cli", "urls.txt:5"),
                new SourceEntry.Ref(null, folder.resolve("a.jpg").toUri().toString(), "cli", "urls.txt:6"),
                new SourceEntry.Rejected("urls.txt:7", "empty id before the tab"),
                new SourceEntry.Ref(null, "https://example.com/4.jpg", "cli", "urls.txt:8"));
    }

    @Test
    void turnsArgumentsIntoUrisFilesAndFolders() throws IOException {
        Path single = Files.write(tmp.resolve("single.webp"), new byte[] {7});
        String missing = tmp.resolve("missing.jpg").toString();

        List<SourceEntry> entries = collect(RefSource.arguments(
                List.of("https://example.com/x.gif", single.toString(), folder.resolve("sub").toString(), missing), true));

        assertThat(entries).containsExactly(
                new SourceEntry.Ref(null, "https://example.com/x.gif", "cli", "https://example.com/x.gif"),
                new SourceEntry.Ref(null, single.toUri().toString(), "cli", single.toString()),
                new SourceEntry.Ref(null, folder.resolve("sub/B.PNG").toUri().toString(), "sub", folder.resolve("sub/B.PNG").toString()),
                new SourceEntry.Ref(null, folder.resolve("sub/deeper/c.TIFF").toUri().toString(), "sub",
                        folder.resolve("sub/deeper/c.TIFF").toString()),
                new SourceEntry.Rejected(missing, "no such file or folder"));
    }

    @Test
    void tellsUrisFromPaths() {
        assertThat(RefSource.looksLikeUri("https://x/y.jpg")).isTrue();
        assertThat(RefSource.looksLikeUri("file:/x/y.jpg")).isTrue();
        assertThat(RefSource.looksLikeUri("/x/y.jpg")).isFalse();
        assertThat(RefSource.looksLikeUri("images/y.jpg")).isFalse();
        assertThat(RefSource.looksLikeUri("C:\\images\\y.jpg")).isFalse();
    }

    private SourceEntry ref(Path file) {
        return new SourceEntry.Ref(null, file.toUri().toString(), "anime", file.toString());
    }

    private static List<SourceEntry> collect(RefSource source) throws IOException {
        List<SourceEntry> out = new ArrayList<>();
        source.forEach(out::add);
        return out;
    }
}
