package dev.sieve.produce;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.sieve.fetch.TarSource;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * WebDataset shards as img2dataset writes them ({@code 00000.tar} holding {@code <key>.jpg}, {@code <key>.json},
 * {@code <key>.txt}): each image member becomes a {@code tar:} reference the worker reads from the shard
 * ({@code tar:file:///shards/00000.tar#000000001.jpg}, under its {@code --file-root}); the sample's {@code .txt}
 * becomes the attribute {@code caption} and the top-level fields of its {@code .json} attributes of their own
 * ({@code url}, {@code key}, {@code width}, ...), within {@link AttributeBounds}. A sample is the run of members
 * sharing a key (the name up to the first dot of its last segment), as WebDataset groups them.
 */
final class TarShardSource implements RefSource {

    /** A sample's .json or .txt is read at most this far; more is cut by the attribute bounds anyway. */
    private static final int MAX_SIDE_FILE_BYTES = 1024 * 1024;

    private final Path input;

    TarShardSource(Path input) {
        this.input = input.toAbsolutePath().normalize();
    }

    @Override
    public void forEach(Consumer<SourceEntry> sink) throws IOException {
        if (Files.isDirectory(input)) {
            List<Path> shards = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(input, "*.tar")) {
                entries.forEach(shards::add);
            }
            shards.sort(null);
            for (Path shard : shards) shard(shard, sink);
        } else if (Files.isRegularFile(input)) {
            shard(input, sink);
        } else {
            sink.accept(new SourceEntry.Rejected(input.toString(), "neither a tar file nor a folder of them"));
        }
    }

    private void shard(Path shard, Consumer<SourceEntry> sink) {
        try (SeekableByteChannel channel = Files.newByteChannel(shard)) {
            List<TarSource.Member> members = TarSource.members(channel);
            String fileUri = shard.toUri().toASCIIString();
            int i = 0;
            while (i < members.size()) {
                String key = key(members.get(i).name());
                int end = i;
                while (end < members.size() && key(members.get(end).name()).equals(key)) end++;
                sample(channel, fileUri, shard, members.subList(i, end), sink);
                i = end;
            }
        } catch (IOException e) {
            sink.accept(new SourceEntry.Rejected(shard.toString(), "not a readable tar file: " + e.getMessage()));
        }
    }

    private void sample(SeekableByteChannel channel, String fileUri, Path shard, List<TarSource.Member> members,
                        Consumer<SourceEntry> sink) throws IOException {
        AttributeBounds attributes = new AttributeBounds();
        List<TarSource.Member> images = new ArrayList<>();
        for (TarSource.Member m : members) {
            String extension = extension(m.name());
            if (extension.equals("txt")) {
                attributes.put("caption", text(channel, m));
            } else if (extension.equals("json")) {
                try {
                    JsonElement json = JsonParser.parseString(text(channel, m));
                    if (json.isJsonObject()) {
                        json.getAsJsonObject().entrySet().forEach(f -> attributes.put(f.getKey(), TableSource.text(f.getValue())));
                    }
                } catch (JsonParseException e) {
                    sink.accept(new SourceEntry.Rejected(shard + "#" + m.name(), "not JSON: " + e.getMessage()));
                }
            } else if (FolderSource.IMAGE_EXTENSIONS.contains(extension)) {
                images.add(m);
            }
        }
        for (TarSource.Member image : images) {
            String origin = shard + "#" + image.name();
            if (attributes.problem().isPresent()) {
                sink.accept(new SourceEntry.Rejected(origin, attributes.problem().get()));
                continue;
            }
            String uri;
            try {
                uri = "tar:" + fileUri + "#" + new URI(null, null, image.name()).getRawFragment();
            } catch (URISyntaxException e) {
                sink.accept(new SourceEntry.Rejected(origin, "member name cannot be written in a URI: " + e.getMessage()));
                continue;
            }
            String folder = shard.getParent() == null ? RefSource.CLI : shard.getParent().getFileName().toString();
            sink.accept(new SourceEntry.Ref(null, uri, folder, origin, attributes.attributes()));
        }
    }

    private static String text(SeekableByteChannel channel, TarSource.Member m) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate((int) Math.min(m.size(), MAX_SIDE_FILE_BYTES));
        channel.position(m.offset());
        while (bytes.hasRemaining() && channel.read(bytes) >= 0) {
            // read on
        }
        return new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8);
    }

    /** WebDataset's key: the name without the extension, which starts at the first dot of the last segment. */
    static String key(String name) {
        int slash = name.lastIndexOf('/');
        int dot = name.indexOf('.', slash + 1);
        return dot < 0 ? name : name.substring(0, dot);
    }

    /** The last extension: what the member holds ({@code jpg}, {@code txt}, {@code json}). */
    private static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot <= name.lastIndexOf('/') ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
