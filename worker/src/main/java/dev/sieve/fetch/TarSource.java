package dev.sieve.fetch;

import static dev.sieve.fetch.FetchFailures.failure;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Reads {@code tar:} references, a member of a tar file inside {@code --file-root}: {@code tar:<file URI>#<member>},
 * e.g. {@code tar:file:///shards/00000.tar#00000001.jpg} — the WebDataset shards img2dataset writes. The tar file is
 * found, checked and opened with the {@link FileRoot} rules; the member is looked up by its exact name (a leading
 * {@code ./} ignored) in an index of the tar's headers, built once per file (and again when its size or time
 * changes), so a shard of ten thousand images is read once for its headers, not once per image.
 *
 * <p>Bounds: a member over {@code --max-bytes} is {@code TOO_LARGE} before anything is read; an index holds at most
 * {@link #MAX_MEMBERS} members and {@link #MAX_INDEXES} tar files are indexed at once (least recently used dropped);
 * long names (GNU {@code L}, PAX {@code path}) at most {@link #MAX_NAME_BYTES}. Names with {@code ..} segments or a
 * leading {@code /} are refused: a reference names a member, never a path.
 */
public final class TarSource implements ImageSource {

    static final int MAX_MEMBERS = 200_000;
    static final int MAX_INDEXES = 16;
    static final int MAX_NAME_BYTES = 4096;
    private static final int BLOCK = 512;

    /** One regular file in a tar: its name, where its data starts and how long it is. */
    public record Member(String name, long offset, long size) {}

    /** A tar file's index, valid while the file keeps its size and modification time. */
    private record Index(long size, long modified, Map<String, Member> members) {}

    private final FileRoot files;
    private final long maxBytes;
    private final Map<String, Index> indexes = new LinkedHashMap<>(MAX_INDEXES, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Index> eldest) {
            return size() > MAX_INDEXES;
        }
    };
    /** Tar reads block: they run here, never on the caller's thread. */
    private final ExecutorService io = Executors.newFixedThreadPool(4, FetchThreads.daemon("sieve-fetch-tar-"));

    TarSource(FetchConfig config) {
        this.files = FileRoot.of(config.fileRoot());
        this.maxBytes = config.maxBytes();
    }

    @Override
    public List<String> schemes() {
        return List.of("tar");
    }

    @Override
    public CompletableFuture<Fetched> fetch(URI uri, BodyGate gate, long start) {
        CompletableFuture<Fetched> result = new CompletableFuture<>();
        CompletableFuture.supplyAsync(() -> {
            try {
                return locate(uri);
            } catch (StageException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, io).thenCompose(found -> gate.admit(found.member().size()).thenApplyAsync(v -> found, io)).thenAccept(found -> {
            try (SeekableByteChannel channel = files.open(found.file())) {
                byte[] bytes = new byte[(int) found.member().size()];
                readFully(channel, found.member().offset(), ByteBuffer.wrap(bytes));
                result.complete(new Fetched(bytes, uri, 1, System.nanoTime() - start));
            } catch (StageException e) {
                result.completeExceptionally(e);
            } catch (IOException e) {
                result.completeExceptionally(failure(FailureCode.NETWORK, "cannot read " + uri + ": " + e, 1, e));
            }
        }).exceptionally(e -> {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            result.completeExceptionally(cause);
            return null;
        });
        return result;
    }

    private record Found(FileRoot.LocalFile file, Member member) {}

    private Found locate(URI uri) throws StageException {
        String member = uri.getFragment();
        if (!uri.isOpaque() || member == null || member.isEmpty()) {
            throw failure(FailureCode.BAD_REFERENCE, "expected tar:<file URI>#<member>, got " + uri, 1, null);
        }
        member = withoutDotSlash(member);
        if (member.startsWith("/") || member.equals("..") || member.startsWith("../") || member.contains("/../")
                || member.endsWith("/..") || member.indexOf('\0') >= 0) {
            throw failure(FailureCode.BAD_REFERENCE, "a member name, not a path, is expected after # in " + uri, 1, null);
        }
        URI shard;
        try {
            shard = new URI(uri.getRawSchemeSpecificPart());
        } catch (URISyntaxException e) {
            throw failure(FailureCode.BAD_REFERENCE, "not a valid tar file URI in " + uri + ": " + e.getMessage(), 1, e);
        }
        if (!"file".equalsIgnoreCase(shard.getScheme())) {
            throw failure(FailureCode.UNSUPPORTED_SCHEME, "only tar files on disk (file:) are read, not " + uri, 1, null);
        }
        FileRoot.LocalFile file = files.resolve(shard);
        Member found = index(file).members().get(member);
        if (found == null) throw failure(FailureCode.NOT_FOUND, "no member " + member + " in " + shard, 1, null);
        if (found.size() > maxBytes) {
            throw failure(FailureCode.TOO_LARGE, uri + " has " + found.size() + " bytes, over the limit of " + maxBytes, 1, null);
        }
        return new Found(file, found);
    }

    private Index index(FileRoot.LocalFile file) throws StageException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file.real(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw failure(FailureCode.NOT_FOUND, "cannot read " + file.uri() + ": " + e, 1, e);
        }
        String key = file.real().toString();
        long modified = attributes.lastModifiedTime().toMillis();
        synchronized (indexes) {
            Index known = indexes.get(key);
            if (known != null && known.size() == attributes.size() && known.modified() == modified) return known;
        }
        Map<String, Member> members = new LinkedHashMap<>();
        try (SeekableByteChannel channel = files.open(file)) {
            for (Member m : members(channel)) members.putIfAbsent(m.name(), m);
        } catch (IOException e) {
            throw failure(FailureCode.BAD_REFERENCE, file.uri() + " is not a readable tar file: " + e.getMessage(), 1, e);
        }
        Index index = new Index(attributes.size(), modified, members);
        synchronized (indexes) {
            indexes.put(key, index);
        }
        return index;
    }

    /**
     * The regular files of a tar (ustar, GNU long names, PAX {@code path} and {@code size}), in order, read from the
     * headers alone: data is skipped, never read. Throws on a header whose checksum is wrong, a member past the end of
     * the file, or more than {@link #MAX_MEMBERS} members. Public: {@code sieve produce --from-tar} lists shards with it.
     */
    public static List<Member> members(SeekableByteChannel channel) throws IOException {
        List<Member> out = new ArrayList<>();
        long length = channel.size();
        long at = 0;
        String longName = null;
        Long paxSize = null;
        ByteBuffer header = ByteBuffer.allocate(BLOCK);
        while (at + BLOCK <= length) {
            header.clear();
            readFully(channel, at, header);
            byte[] h = header.array();
            if (isZero(h)) break;
            if (checksum(h) != octal(h, 148, 8)) throw new IOException("bad header checksum at offset " + at);
            char type = (char) h[156];
            long size = paxSize != null ? paxSize : octal(h, 124, 12);
            long data = at + BLOCK;
            if (size < 0 || data + size > length) throw new IOException("member at offset " + at + " runs past the end");
            long next = data + (size + BLOCK - 1) / BLOCK * BLOCK;
            if (type == 'L' || type == 'x') {
                if (size > MAX_NAME_BYTES * 4L) throw new IOException("extended header of " + size + " bytes at offset " + at);
                ByteBuffer extended = ByteBuffer.allocate((int) size);
                readFully(channel, data, extended);
                if (type == 'L') {
                    longName = cString(extended.array(), 0, (int) size);
                } else {
                    Map<String, String> pax = pax(extended.array());
                    if (pax.containsKey("path")) longName = pax.get("path");
                    if (pax.containsKey("size")) paxSize = Long.parseLong(pax.get("size"));
                }
                at = next;
                continue;
            }
            String name = longName != null ? longName : ustarName(h);
            longName = null;
            paxSize = null;
            if (type == '0' || type == '\0' || type == '7') {
                if (name.length() > MAX_NAME_BYTES) throw new IOException("member name over " + MAX_NAME_BYTES + " characters");
                if (out.size() >= MAX_MEMBERS) throw new IOException("more than " + MAX_MEMBERS + " members");
                out.add(new Member(withoutDotSlash(name), data, size));
            }
            at = next;
        }
        return out;
    }

    private static String withoutDotSlash(String name) {
        String n = name;
        while (n.startsWith("./")) n = n.substring(2);
        return n;
    }

    private static String ustarName(byte[] h) {
        String name = cString(h, 0, 100);
        boolean ustar = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r';
        String prefix = ustar ? cString(h, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    /** PAX records: {@code "<length> <key>=<value>\n"}, lengths counted in bytes. */
    private static Map<String, String> pax(byte[] data) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        int at = 0;
        while (at < data.length && data[at] != 0) {
            int space = at;
            while (space < data.length && data[space] != ' ') space++;
            int length;
            try {
                length = Integer.parseInt(new String(data, at, space - at, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new IOException("bad PAX record length");
            }
            if (length <= space - at || at + length > data.length) throw new IOException("bad PAX record length " + length);
            String record = new String(data, space + 1, at + length - space - 2, StandardCharsets.UTF_8);
            int eq = record.indexOf('=');
            if (eq > 0) out.put(record.substring(0, eq), record.substring(eq + 1));
            at += length;
        }
        return out;
    }

    private static long octal(byte[] h, int from, int length) throws IOException {
        if ((h[from] & 0x80) != 0) throw new IOException("base-256 sizes are not read"); // > 8 GiB: over any bound
        long value = 0;
        int end = from + length;
        int i = from;
        while (i < end && (h[i] == ' ' || h[i] == 0)) i++;
        for (; i < end && h[i] >= '0' && h[i] <= '7'; i++) value = value * 8 + (h[i] - '0');
        return value;
    }

    private static long checksum(byte[] h) {
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? ' ' : h[i] & 0xff;
        return sum;
    }

    private static boolean isZero(byte[] h) {
        for (byte b : h) if (b != 0) return false;
        return true;
    }

    private static String cString(byte[] b, int from, int max) {
        int end = from;
        while (end < from + max && b[end] != 0) end++;
        return new String(b, from, end - from, StandardCharsets.UTF_8);
    }

    private static void readFully(SeekableByteChannel channel, long position, ByteBuffer into) throws IOException {
        channel.position(position);
        while (into.hasRemaining()) {
            if (channel.read(into) < 0) throw new IOException("the file ends at " + channel.position());
        }
    }

    @Override
    public void close() {
        io.shutdownNow();
    }
}
