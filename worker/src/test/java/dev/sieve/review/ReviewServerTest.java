package dev.sieve.review;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sieve.fetch.FileRoot;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.SharedKafka;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The review server through real HTTP on loopback: error replies, thumbnails of hostile files. */
class ReviewServerTest {
    private static final String HEAD = "rs-head";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    Path tmp;
    private Path root;
    private ReviewBuckets buckets;
    private CorrectionPublisher publisher;
    private ReviewServer server;

    @BeforeEach
    void layout() throws Exception {
        root = Files.createDirectories(tmp.resolve("root"));
        Path outside = Files.createDirectories(tmp.resolve("outside/d"));
        ImageIO.write(solid(64, 48, 0xFF0000), "png", root.resolve("x.png").toFile());
        ImageIO.write(solid(64, 48, 0x0000FF), "png", tmp.resolve("outside/x.png").toFile());
        ImageIO.write(solid(64, 48, 0x0000FF), "png", tmp.resolve("outside/secret.png").toFile());
        Files.createSymbolicLink(root.resolve("dirlink"), outside);
        Files.createSymbolicLink(root.resolve("swapped.png"), tmp.resolve("outside/secret.png"));
        buckets = new ReviewBuckets();
        publisher = new CorrectionPublisher(KafkaSettings.of(SharedKafka.bootstrapServers()), "images.corrections.review-server-test", Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
        publisher.close();
    }

    private void start(Path thumbnails) throws Exception {
        server = ReviewServer.start(ReviewConfig.of(ReviewConfig.SETTINGS.defaults().set(ReviewConfig.PORT, 0)
                .set(ReviewConfig.THUMBNAIL_CACHE, thumbnails)
                .set(FileRoot.READ_ROOT, root)), buckets, publisher);
    }

    private void add(String id, String uri) {
        buckets.add(new ReviewImage(id, uri, HEAD, "", "Pass", 0.5, 0.0, List.of(), List.of(), List.of(), 0, 0, null));
    }

    @Test
    void aBucketListsANearDuplicateGroupTogetherAfterItsFirstMemberAndNotWhenGroupingIsOff() throws Exception {
        long picture = 0x0123_4567_89ab_cdefL;
        String[][] images = {{"a", "0.9"}, {"b", "0.8"}, {"c", "0.7"}, {"d", "0.6"}, {"e", "0.5"}};
        Long[] hashes = {~picture, picture, ~picture ^ 0xf0f0L, picture ^ 0x3ffL, null};
        for (int i = 0; i < images.length; i++) {
            buckets.add(new ReviewImage(images[i][0], root.resolve("x.png").toUri().toString(), HEAD, "", "Pass",
                    Double.parseDouble(images[i][1]), 0.0, List.of(), List.of(), List.of(), 0, 0, hashes[i]));
        }
        start(tmp.resolve("thumbs"));
        JsonObject grouped = JsonParser.parseString(get("api/images?head=" + HEAD + "&label=Pass").body()).getAsJsonObject();
        assertThat(grouped.get("groups").getAsInt()).isEqualTo(2);
        List<String> rows = new java.util.ArrayList<>();
        grouped.getAsJsonArray("images").forEach(e -> rows.add(e.getAsJsonObject().get("id").getAsString() + " "
                + e.getAsJsonObject().get("group").getAsString() + " " + e.getAsJsonObject().get("groupSize").getAsInt()));
        assertThat(rows).as("most confident first, each group's members right after its first")
                .containsExactly("a a 2", "c a 2", "b b 2", "d b 2", "e e 1");

        server.close();
        server = ReviewServer.start(ReviewConfig.of(ReviewConfig.SETTINGS.defaults().set(ReviewConfig.PORT, 0)
                .set(ReviewConfig.THUMBNAIL_CACHE, tmp.resolve("thumbs")).set(dev.sieve.sort.NearDuplicates.DISTANCE, 0)
                .set(FileRoot.READ_ROOT, root)), buckets, publisher);
        JsonObject off = JsonParser.parseString(get("api/images?head=" + HEAD + "&label=Pass").body()).getAsJsonObject();
        assertThat(off.get("groups").getAsInt()).isZero();
        List<String> ids = new java.util.ArrayList<>();
        off.getAsJsonArray("images").forEach(e -> ids.add(e.getAsJsonObject().get("id").getAsString()));
        assertThat(ids).containsExactly("a", "b", "c", "d", "e");
    }

    @Test
    void aBucketReadFromAnExportFolderShowsTheExportsGroups() throws Exception {
        Path bucket = Files.createDirectories(tmp.resolve("export").resolve(HEAD).resolve("Pass"));
        Files.writeString(bucket.resolve("manifest.tsv"), String.join("\n",
                "id\turi\tprobability\tnear_duplicate_group",
                "a\tfile:///a.png\t0.9\ta",
                "b\tfile:///b.png\t0.8\tb",
                "c\tfile:///c.png\t0.7\ta",
                "old\tfile:///o.png\t0.6", // an export older than the column: alone
                ""));
        buckets = BucketLoader.fromExport(tmp.resolve("export"));
        start(tmp.resolve("thumbs"));
        JsonObject page = JsonParser.parseString(get("api/images?head=" + HEAD + "&label=Pass").body()).getAsJsonObject();
        List<String> rows = new java.util.ArrayList<>();
        page.getAsJsonArray("images").forEach(e -> rows.add(e.getAsJsonObject().get("id").getAsString() + " "
                + e.getAsJsonObject().get("groupSize").getAsInt()));
        assertThat(rows).containsExactly("a 2", "c 2", "b 1", "old 1");
    }

    @Test
    void aBadRequestIsAnsweredWithItsReason() throws Exception {
        start(tmp.resolve("thumbs"));
        HttpResponse<String> r = get("api/images?head=" + HEAD + "&label=Pass&order=sideways");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("sideways");
    }

    @Test
    void aCorrectionOfTheWrongShapeIsABadRequestWithItsReason() throws Exception {
        start(tmp.resolve("thumbs"));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(server.uri().resolve("api/corrections"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"id\": {\"nested\": 1}, \"head\": \"h\", \"label\": \"l\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("id");
    }

    @Test
    void aServerErrorIsAnsweredWithItsReason() throws Exception {
        Path notAFolder = Files.writeString(tmp.resolve("thumbs"), "a file where the cache folder should be");
        add("x", root.resolve("x.png").toUri().toString());
        start(notAFolder);
        HttpResponse<String> r = get(thumbs().get("x"));
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).isNotEmpty();
    }

    @Test
    void thumbnailsOfImagesOverThePixelLimitAreRefusedBeforeDecoding() throws Exception {
        Path bomb = Files.write(root.resolve("bomb.png"), pngHeaderOnly(20_000, 20_000));
        add("bomb", bomb.toUri().toString());
        add("x", root.resolve("x.png").toUri().toString());
        start(tmp.resolve("thumbs"));
        Map<String, String> thumbs = thumbs();
        HttpResponse<String> r = get(thumbs.get("bomb"));
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.body()).contains("TOO_MANY_PIXELS");
        assertThat(get(thumbs.get("x")).statusCode()).as("the server goes on").isEqualTo(200);
    }

    @Test
    void aHugeImageUnderThePixelLimitIsThumbnailedWithoutHoldingItsPixels() throws Exception {
        // The case was 169 MP of RGBA (676 MB decoded), which killed the thumbnail thread; 64 MP (256 MB decoded)
        // shows the same bound in a third of the time. Subsampled, the decoder holds a few rows, not the image.
        Path huge = Files.write(root.resolve("huge.png"), blankRgbaPng(8_000, 8_000));
        add("huge", huge.toUri().toString());
        start(tmp.resolve("thumbs"));
        String path = thumbs().get("huge");
        long before = allocatedByServerThreads();
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(server.uri().resolve(path)).timeout(Duration.ofSeconds(120)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        long allocated = allocatedByServerThreads() - before;
        System.out.printf("thumbnail of an 8000x8000 RGBA PNG: %d KB allocated by the server's threads%n", allocated >> 10);
        assertThat(r.statusCode()).isEqualTo(200);
        BufferedImage thumb = ImageIO.read(new ByteArrayInputStream(r.body()));
        assertThat(Math.max(thumb.getWidth(), thumb.getHeight())).isEqualTo(256);
        assertThat(allocated).as("bytes allocated by the server's threads for the thumbnail").isLessThan(64L << 20);
    }

    @Test
    void thumbnailsShowTheFileTheWorkerScoredAndNeverOneOutsideTheRoot() throws Exception {
        add("dotdot", "file://" + root + "/dirlink/../x.png");
        add("swapped", root.resolve("swapped.png").toUri().toString());
        start(tmp.resolve("thumbs"));
        Map<String, String> thumbs = thumbs();
        HttpResponse<byte[]> dotdot = HTTP.send(HttpRequest.newBuilder(server.uri().resolve(thumbs.get("dotdot"))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(dotdot.statusCode()).isEqualTo(200);
        BufferedImage thumb = ImageIO.read(new ByteArrayInputStream(dotdot.body()));
        int rgb = thumb.getRGB(thumb.getWidth() / 2, thumb.getHeight() / 2);
        assertThat((rgb >> 16) & 0xFF).as("red, the image inside the root").isGreaterThan(200);
        assertThat(rgb & 0xFF).isLessThan(50);
        HttpResponse<String> swapped = get(thumbs.get("swapped"));
        assertThat(swapped.statusCode()).isEqualTo(403);
        assertThat(swapped.body()).contains("OUTSIDE_ROOT");
    }

    private Map<String, String> thumbs() throws Exception {
        HttpResponse<String> r = get("api/images?head=" + HEAD + "&label=Pass");
        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, String> out = new HashMap<>();
        for (var e : JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("images")) {
            JsonObject image = e.getAsJsonObject();
            out.put(image.get("id").getAsString(), image.get("thumb").getAsString().substring(1));
        }
        return out;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(server.uri().resolve(path)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Bytes allocated so far by the review server's threads (HotSpot's per-thread counter). */
    private static long allocatedByServerThreads() {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("sieve-review-http")) sum += threads.getThreadAllocatedBytes(t.getId());
        }
        return sum;
    }

    /** A valid 8-bit RGBA PNG of {@code w x h} transparent pixels, deflated row by row: small on disk, huge decoded. */
    static byte[] blankRgbaPng(int w, int h) throws Exception {
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        try (var deflate = new java.util.zip.DeflaterOutputStream(idat, new java.util.zip.Deflater(1))) {
            byte[] row = new byte[1 + 4 * w]; // filter byte 0, then zeros
            for (int y = 0; y < h; y++) deflate.write(row);
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(pngHeaderOnly(w, h));
        DataOutputStream out = new DataOutputStream(png);
        chunk(out, "IDAT", idat.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws Exception {
        out.writeInt(data.length);
        byte[] typeAndData = new byte[4 + data.length];
        System.arraycopy(type.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, typeAndData, 0, 4);
        System.arraycopy(data, 0, typeAndData, 4, data.length);
        out.write(typeAndData);
        CRC32 crc = new CRC32();
        crc.update(typeAndData);
        out.writeInt((int) crc.getValue());
    }

    static BufferedImage solid(int w, int h, int rgb) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) image.setRGB(x, y, rgb);
        return image;
    }

    /** A PNG signature and an IHDR (8-bit RGBA) claiming {@code w x h}, and no pixel data: a few dozen bytes. */
    static byte[] pngHeaderOnly(int w, int h) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(ihdr);
        d.writeBytes("IHDR");
        d.writeInt(w);
        d.writeInt(h);
        d.write(new byte[] {8, 6, 0, 0, 0});
        out.writeInt(13);
        out.write(ihdr.toByteArray());
        CRC32 crc = new CRC32();
        crc.update(ihdr.toByteArray());
        out.writeInt((int) crc.getValue());
        return bytes.toByteArray();
    }
}
