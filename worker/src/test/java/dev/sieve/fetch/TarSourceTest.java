package dev.sieve.fetch;

import static dev.sieve.fetch.ImageFetcherTest.failure;
import static dev.sieve.fetch.ImageFetcherTest.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.avro.FailureCode;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarSourceTest {
    @TempDir
    Path root;

    @Test
    void readsAMemberOfAShardInsideTheFileRoot() throws Exception {
        byte[] first = randomBytes(1_500);
        byte[] second = randomBytes(70_001);
        Path shard = shard("00000.tar", Map.of("00000000.jpg", first, "00000000.txt", "a cat".getBytes(),
                "00000001.jpg", second));
        AtomicLong admitted = new AtomicLong();
        try (ImageFetcher fetcher = new ImageFetcher(FetchConfig.of(FetchConfig.SETTINGS.defaults().set(FetchConfig.FILE_ROOT, root)))) {
            String uri = "tar:" + shard.toUri() + "#00000001.jpg";
            Fetched fetched = fetcher.fetch(uri, bytes -> {
                admitted.set(bytes);
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }).get(10, TimeUnit.SECONDS);

            assertThat(fetched.bytes()).isEqualTo(second);
            assertThat(admitted).as("the member's size goes through the gate before it is read").hasValue(second.length);
            assertThat(fetcher.fetch("tar:" + shard.toUri() + "#./00000000.jpg").get(10, TimeUnit.SECONDS).bytes())
                    .isEqualTo(first);
        }
    }

    @Test
    void readsLongNamesFromPaxHeaders() throws Exception {
        String name = "deep/".repeat(30) + "00000007.png";
        byte[] image = randomBytes(900);
        Path shard = shard("long.tar", Map.of(name, image));
        try (SeekableByteChannel channel = Files.newByteChannel(shard)) {
            assertThat(TarSource.members(channel)).extracting(TarSource.Member::name).containsExactly(name);
        }
        try (ImageFetcher fetcher = new ImageFetcher(FetchConfig.of(FetchConfig.SETTINGS.defaults().set(FetchConfig.FILE_ROOT, root)))) {
            assertThat(fetcher.fetch("tar:" + shard.toUri() + "#" + name).get(10, TimeUnit.SECONDS).bytes()).isEqualTo(image);
        }
    }

    @Test
    void refusesWhatIsMissingTooLargeOutsideTheRootOrAPath() throws Exception {
        Path shard = shard("00001.tar", Map.of("a.jpg", randomBytes(5_000)));
        Path outside = Files.createTempDirectory("sieve-outside");
        Path foreign = TarShards.write(outside.resolve("x.tar"), Map.of("a.jpg", randomBytes(10)));
        try (ImageFetcher fetcher = new ImageFetcher(FetchConfig.of(FetchConfig.SETTINGS.defaults().set(FetchConfig.FILE_ROOT, root).set(FetchConfig.MAX_BYTES, 4_000L)))) {
            String base = "tar:" + shard.toUri();
            assertThat(failure(fetcher.fetch(base + "#b.jpg")).code()).isEqualTo(FailureCode.NOT_FOUND);
            assertThat(failure(fetcher.fetch(base + "#a.jpg")).code()).isEqualTo(FailureCode.TOO_LARGE);
            assertThat(failure(fetcher.fetch(base)).code()).as("no member").isEqualTo(FailureCode.BAD_REFERENCE);
            assertThat(failure(fetcher.fetch(base + "#../00001.tar")).code()).isEqualTo(FailureCode.BAD_REFERENCE);
            assertThat(failure(fetcher.fetch(base + "#/etc/passwd")).code()).isEqualTo(FailureCode.BAD_REFERENCE);
            assertThat(failure(fetcher.fetch("tar:" + foreign.toUri() + "#a.jpg")).code()).isEqualTo(FailureCode.OUTSIDE_ROOT);
            assertThat(failure(fetcher.fetch("tar:http://127.0.0.1/x.tar#a.jpg")).code())
                    .isEqualTo(FailureCode.UNSUPPORTED_SCHEME);
        } finally {
            Files.delete(foreign);
            Files.delete(outside);
        }
    }

    @Test
    void aFileThatIsNotATarIsABadReferenceAndAChangedShardIsIndexedAgain() throws Exception {
        Path junk = Files.write(root.resolve("junk.tar"), randomBytes(2_048));
        Path shard = shard("00002.tar", Map.of("a.jpg", randomBytes(100)));
        byte[] replaced = randomBytes(300);
        try (ImageFetcher fetcher = new ImageFetcher(FetchConfig.of(FetchConfig.SETTINGS.defaults().set(FetchConfig.FILE_ROOT, root)))) {
            assertThat(failure(fetcher.fetch("tar:" + junk.toUri() + "#a.jpg")).code()).isEqualTo(FailureCode.BAD_REFERENCE);
            fetcher.fetch("tar:" + shard.toUri() + "#a.jpg").get(10, TimeUnit.SECONDS);

            Map<String, byte[]> grown = new LinkedHashMap<>();
            grown.put("b.jpg", randomBytes(700));
            grown.put("a.jpg", replaced);
            TarShards.write(shard, grown);

            assertThat(fetcher.fetch("tar:" + shard.toUri() + "#a.jpg").get(10, TimeUnit.SECONDS).bytes()).isEqualTo(replaced);
        }
    }

    @Test
    void aHeaderThatLiesAboutItsSizeIsRefused() throws IOException {
        Path shard = shard("short.tar", Map.of("a.jpg", randomBytes(2_000)));
        byte[] bytes = Files.readAllBytes(shard);
        Files.write(shard, java.util.Arrays.copyOf(bytes, 1_024)); // header + half the data
        try (SeekableByteChannel channel = Files.newByteChannel(shard)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TarSource.members(channel))
                    .isInstanceOf(IOException.class).hasMessageContaining("past the end");
        }
    }

    private Path shard(String name, Map<String, byte[]> members) throws IOException {
        return TarShards.write(root.resolve(name), new LinkedHashMap<>(new java.util.TreeMap<>(members)));
    }
}
