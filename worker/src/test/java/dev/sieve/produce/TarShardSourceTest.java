package dev.sieve.produce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.fetch.TarShards;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarShardSourceTest {
    @TempDir
    Path root;

    @Test
    void eachImageMemberIsATarReferenceWithItsSamplesCaptionAndMetadata() throws IOException {
        Path shards = Files.createDirectories(root.resolve("shards"));
        Map<String, byte[]> first = new LinkedHashMap<>();
        first.put("000000000.jpg", new byte[] {1, 2, 3});
        first.put("000000000.json", "{\"url\": \"https://example.org/a.jpg\", \"key\": \"000000000\", \"width\": 512}"
                .getBytes(StandardCharsets.UTF_8));
        first.put("000000000.txt", "a cat".getBytes(StandardCharsets.UTF_8));
        first.put("000000001.json", "{\"status\": \"failed_to_download\"}".getBytes(StandardCharsets.UTF_8));
        first.put("000000002.png", new byte[] {4});
        first.put("000000002.txt", "a dog".getBytes(StandardCharsets.UTF_8));
        TarShards.write(shards.resolve("00000.tar"), first);
        TarShards.write(shards.resolve("00001.tar"), Map.of("100000000.webp", new byte[] {5}));
        Files.write(shards.resolve("00001_stats.json"), new byte[] {9});

        List<SourceEntry> entries = collect(RefSource.tarShards(shards));

        assertThat(entries).hasSize(3).allMatch(e -> e instanceof SourceEntry.Ref);
        SourceEntry.Ref a = (SourceEntry.Ref) entries.get(0);
        assertThat(a.uri()).isEqualTo("tar:" + shards.resolve("00000.tar").toUri() + "#000000000.jpg");
        assertThat(a.attributes()).isEqualTo(Map.of("caption", "a cat", "url", "https://example.org/a.jpg",
                "key", "000000000", "width", "512"));
        assertThat(a.source()).isEqualTo("shards");
        assertThat(((SourceEntry.Ref) entries.get(1)).attributes()).isEqualTo(Map.of("caption", "a dog"));
        assertThat(((SourceEntry.Ref) entries.get(2)).uri()).endsWith("00001.tar#100000000.webp");
    }

    @Test
    void membersOfOneShardGetDistinctIdsAndAStrangeNameIsEncoded() throws IOException {
        Path shard = TarShards.write(root.resolve("s.tar"), Map.of("a b#1.jpg", new byte[] {1}, "a b#2.jpg", new byte[] {2}));

        List<SourceEntry> entries = collect(RefSource.tarShards(shard));

        List<String> uris = entries.stream().map(e -> ((SourceEntry.Ref) e).uri()).sorted().toList();
        assertThat(uris.get(0)).endsWith("s.tar#a%20b%231.jpg");
        assertThat(uris.stream().map(RefIds::fromUri).distinct()).hasSize(2);
        assertThat(java.net.URI.create(uris.get(0)).getFragment()).isEqualTo("a b#1.jpg");
    }

    @Test
    void aFileThatIsNotATarIsRejected() throws IOException {
        Path junk = Files.write(root.resolve("junk.tar"), new byte[2048 + 7]);
        Files.write(junk, "definitely not a tar header".getBytes(StandardCharsets.US_ASCII),
                java.nio.file.StandardOpenOption.WRITE);

        List<SourceEntry> entries = collect(RefSource.tarShards(junk));

        assertThat(entries).singleElement().isInstanceOf(SourceEntry.Rejected.class);
    }

    private static List<SourceEntry> collect(RefSource source) throws IOException {
        List<SourceEntry> out = new ArrayList<>();
        source.forEach(out::add);
        return out;
    }
}
