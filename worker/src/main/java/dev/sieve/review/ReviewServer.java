package dev.sieve.review;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sieve.StageException;
import dev.sieve.avro.Correction;
import dev.sieve.fetch.FileRoot;
import dev.sieve.sort.NearDuplicateGroups;
import dev.sieve.sort.NearDuplicates;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The review page's server: one HTML page, its script and style (from the jar), a small JSON API over
 * {@link ReviewBuckets}, cached thumbnails, and {@code POST /api/corrections}, which publishes a {@link Correction}.
 * Listens on 127.0.0.1 only, and answers only requests addressed to that host (a page on another site cannot reach
 * it through DNS rebinding, and cannot post JSON to it without a preflight the server never grants).
 */
public final class ReviewServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReviewServer.class);
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
    private static final Map<String, String> STATIC = Map.of(
            "/", "index.html", "/index.html", "index.html", "/review.js", "review.js", "/review.css", "review.css");

    private final HttpServer server;
    private final ExecutorService executor;
    private final ReviewConfig config;
    private final ReviewBuckets buckets;
    private final MovedImages moved;
    private final CorrectionPublisher publisher;
    private final Thumbnails thumbnails;
    /** Thumbnail key to URI, for images the page has listed: the only files {@code /thumb/} ever serves. */
    private final Map<String, String> thumbUris = new ConcurrentHashMap<>();

    private ReviewServer(HttpServer server, ExecutorService executor, ReviewConfig config, ReviewBuckets buckets, MovedImages moved,
                         CorrectionPublisher publisher) {
        this.server = server;
        this.executor = executor;
        this.config = config;
        this.buckets = buckets;
        this.moved = moved;
        this.publisher = publisher;
        this.thumbnails = new Thumbnails(config.thumbnails(), config.thumbnailSize(), FileRoot.of(config.fileRoot()));
    }

    public static ReviewServer start(ReviewConfig config, ReviewBuckets buckets, CorrectionPublisher publisher) throws IOException {
        return start(config, buckets, MovedImages.none("images.scored was not read"), publisher);
    }

    /** @param moved what the newest head revisions changed (the page's "what moved" view) */
    public static ReviewServer start(ReviewConfig config, ReviewBuckets buckets, MovedImages moved, CorrectionPublisher publisher)
            throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port()), 0);
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "sieve-review-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        ReviewServer s = new ReviewServer(http, executor, config, buckets, moved, publisher);
        http.createContext("/", s::handle);
        http.start();
        LOG.info("review page at {}", s.uri());
        return s;
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    /**
     * Answers one request. The exchange is closed only after the answer, error answers included: closing it first
     * (as a try-with-resources around the routing did) sent every 400 and 500 as an empty reply.
     */
    private void handle(HttpExchange ex) {
        try {
            route(ex);
        } catch (IllegalArgumentException e) {
            answerError(ex, 400, e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.warn("{} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
            answerError(ex, 500, e.toString());
        } finally {
            ex.close();
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String host = Optional.ofNullable(ex.getRequestHeaders().getFirst("Host")).orElse("");
        int port = server.getAddress().getPort();
        if (!host.equals("127.0.0.1:" + port) && !host.equals("localhost:" + port)) {
            send(ex, 421, "text/plain", "this server answers only to 127.0.0.1:" + port);
            return;
        }
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        if (method.equals("GET") && STATIC.containsKey(path)) {
            serveResource(ex, STATIC.get(path));
        } else if (method.equals("GET") && path.equals("/api/buckets")) {
            json(ex, 200, bucketsJson());
        } else if (method.equals("GET") && path.equals("/api/images")) {
            Map<String, String> q = query(ex.getRequestURI());
            json(ex, 200, imagesJson(q.getOrDefault("head", ""), q.getOrDefault("label", ""), order(q.get("order"))));
        } else if (method.equals("GET") && path.equals("/api/moved")) {
            Map<String, String> q = query(ex.getRequestURI());
            json(ex, 200, movedJson(q.getOrDefault("family", ""), order(q.get("order"))));
        } else if (method.equals("GET") && path.startsWith("/thumb/")) {
            serveThumbnail(ex, path.substring("/thumb/".length()));
        } else if (method.equals("POST") && path.equals("/api/corrections")) {
            correct(ex);
        } else {
            send(ex, 404, "text/plain", "not found: " + method + " " + path);
        }
    }

    /** An error in plain text, unless an answer was already begun (then the client sees it cut short). */
    private static void answerError(HttpExchange ex, int status, String message) {
        if (ex.getResponseCode() != -1) return;
        try {
            send(ex, status, "text/plain; charset=utf-8", String.valueOf(message));
        } catch (IOException e) {
            LOG.debug("could not answer {} to {} {}: {}", status, ex.getRequestMethod(), ex.getRequestURI(), e.toString());
        }
    }

    private ReviewOrder order(String value) {
        if (value == null) return config.order();
        try {
            return ReviewOrder.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("order '" + value + "': expected confident or boundary");
        }
    }

    private Map<String, Object> bucketsJson() {
        List<Object> heads = new ArrayList<>();
        for (String head : buckets.heads()) {
            List<Object> labels = new ArrayList<>();
            List<String> names = buckets.labels(head);
            for (int i = 0; i < names.size(); i++) {
                labels.add(Map.of("index", i, "label", names.get(i), "count", buckets.count(head, names.get(i))));
            }
            heads.add(Map.of("head", head, "labels", labels));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("heads", heads);
        out.put("report", buckets.report().text());
        List<Object> families = new ArrayList<>();
        for (MovedImages.Family f : moved.families()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("family", f.family());
            m.put("older", f.older());
            m.put("newer", f.newer());
            m.put("compared", f.compared());
            m.put("count", f.moved().size());
            families.add(m);
        }
        out.put("moved", families);
        out.put("movedNote", moved.note());
        out.put("order", config.order().name().toLowerCase(Locale.ROOT));
        out.put("reviewer", config.reviewer());
        return out;
    }

    /**
     * A bucket's images in the order asked, except that the members of a near-duplicate group follow the first of them
     * (each in that order), so a curator sees a picture's copies side by side and reviews them once. Each image carries
     * its group's id (its smallest id) and size. Images read from an export folder keep the export's groups.
     */
    private Map<String, Object> imagesJson(String head, String label, ReviewOrder order) {
        List<ReviewImage> ordered = buckets.images(head, label, order);
        List<NearDuplicates.Hashed> hashed = new ArrayList<>();
        ordered.forEach(i -> hashed.add(new NearDuplicates.Hashed(i.id(), i.perceptualHash())));
        NearDuplicateGroups groups = NearDuplicates.group(hashed, config.nearDuplicateDistance());
        boolean grouping = config.nearDuplicateDistance() > 0;
        Map<String, List<ReviewImage>> byGroup = new LinkedHashMap<>();
        ordered.forEach(i -> byGroup.computeIfAbsent(grouping && i.exportedGroup() != null ? i.exportedGroup() : groups.groupOf(i.id()),
                g -> new ArrayList<>()).add(i));
        List<Object> images = new ArrayList<>();
        int grouped = 0;
        for (Map.Entry<String, List<ReviewImage>> group : byGroup.entrySet()) {
            if (group.getValue().size() > 1) grouped++;
            for (ReviewImage i : group.getValue()) {
                Map<String, Object> image = imageJson(i);
                image.put("group", group.getKey());
                image.put("groupSize", group.getValue().size());
                images.add(image);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("head", head);
        out.put("label", label);
        out.put("order", order.name().toLowerCase(Locale.ROOT));
        out.put("labels", buckets.labels(head));
        out.put("images", images);
        out.put("groups", grouped);
        return out;
    }

    /** One family's moved images: each as the newest revision sees it, with the older revision's view as {@code before}. */
    private Map<String, Object> movedJson(String family, ReviewOrder order) {
        MovedImages.Family f = moved.family(family).orElseThrow(() -> new IllegalArgumentException("no head family '" + family + "'"));
        List<Object> images = new ArrayList<>();
        for (MovedImages.Moved m : moved.images(family, order)) {
            Map<String, Object> image = imageJson(m.now());
            image.put("head", m.now().head());
            image.put("label", m.now().label());
            image.put("mark", moved.markOf(m.now().head(), m.now().id()).orElse(null));
            Map<String, Object> before = new LinkedHashMap<>();
            before.put("revision", m.before().revision());
            before.put("label", m.before().label());
            before.put("probability", number(m.before().probability()));
            List<Object> labels = new ArrayList<>();
            m.before().labels().forEach(l -> labels.add(Map.of("label", l.label(), "probability", l.probability())));
            before.put("labels", labels);
            image.put("before", before);
            images.add(image);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("family", f.family());
        out.put("older", f.older());
        out.put("newer", f.newer());
        out.put("head", f.head());
        out.put("compared", f.compared());
        out.put("order", order.name().toLowerCase(Locale.ROOT));
        out.put("labels", f.labels());
        out.put("images", images);
        return out;
    }

    private Map<String, Object> imageJson(ReviewImage i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", i.id());
        m.put("uri", i.uri());
        m.put("probability", number(i.probability()));
        m.put("margin", number(i.margin()));
        List<Object> labels = new ArrayList<>();
        i.labels().forEach(l -> labels.add(Map.of("label", l.label(), "probability", l.probability())));
        m.put("labels", labels);
        m.put("crops", i.crops());
        m.put("boxes", i.boxes());
        m.put("width", i.width());
        m.put("height", i.height());
        String key = thumbnails.key(i.uri());
        thumbUris.put(key, i.uri());
        m.put("thumb", i.uri().startsWith("file:") ? "/thumb/" + key : null);
        return m;
    }

    private void correct(HttpExchange ex) throws IOException {
        String type = Optional.ofNullable(ex.getRequestHeaders().getFirst("Content-Type")).orElse("");
        if (!type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            send(ex, 415, "text/plain", "send application/json");
            return;
        }
        JsonObject body;
        try (InputStream in = ex.getRequestBody()) {
            body = JsonParser.parseString(new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException("not a JSON object: " + e.getMessage());
        }
        String id = text(body, "id");
        String head = text(body, "head");
        String oldLabel = text(body, "label");
        String newLabel = text(body, "newLabel");
        if (id == null || head == null || oldLabel == null) throw new IllegalArgumentException("id, head and label are required");
        // A bucket's image, or one the newest revision of its head moved ("what moved" lists images of no bucket loaded).
        Optional<ReviewImage> inBucket = buckets.find(head, oldLabel, id).or(() -> buckets.find(head, id));
        ReviewImage image = inBucket.or(() -> moved.find(head, id))
                .orElseThrow(() -> new IllegalArgumentException("no image " + id + " under head " + head));
        List<String> labels = inBucket.isPresent() ? buckets.labels(head) : image.labels().stream().map(ReviewImage.LabelProbability::label).toList();
        if (newLabel != null && !labels.contains(newLabel)) {
            throw new IllegalArgumentException("head " + head + " has no label '" + newLabel + "'");
        }
        Correction correction = new Correction(id, head, image.revision(), image.label(), newLabel, config.reviewer(), Instant.now());
        publisher.publish(correction);
        inBucket.ifPresent(i -> buckets.move(i, newLabel));
        moved.mark(head, id, newLabel);
        LOG.info("{}: {} {} -> {}", head, id, image.label(), newLabel == null ? "(excluded)" : newLabel);
        Map<String, Object> out = new HashMap<>(bucketsJson());
        out.put("id", id);
        out.put("newLabel", newLabel);
        json(ex, 200, out);
    }

    private void serveThumbnail(HttpExchange ex, String key) throws IOException {
        String uri = thumbUris.get(key);
        if (uri == null) {
            send(ex, 404, "text/plain", "no thumbnail: the page has not listed this image");
            return;
        }
        Path file;
        try {
            file = thumbnails.get(uri);
        } catch (StageException e) {
            // Coded like a failed record: 403 outside the root, 404 missing, 422 for an image refused or undecodable.
            int status = switch (e.code()) {
                case OUTSIDE_ROOT -> 403;
                case NOT_FOUND, UNSUPPORTED_SCHEME -> 404;
                default -> 422;
            };
            send(ex, status, "text/plain; charset=utf-8", e.toString());
            return;
        }
        ex.getResponseHeaders().set("Cache-Control", "max-age=86400");
        send(ex, 200, "image/jpeg", Files.readAllBytes(file));
    }

    private void serveResource(HttpExchange ex, String name) throws IOException {
        try (InputStream in = ReviewServer.class.getResourceAsStream("static/" + name)) {
            if (in == null) {
                send(ex, 404, "text/plain", "missing resource " + name);
                return;
            }
            String type = name.endsWith(".html") ? "text/html; charset=utf-8"
                    : name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
            send(ex, 200, type, in.readAllBytes());
        }
    }

    /** A string field, null when absent or null; anything but a string is the client's error (400), not ours. */
    private static String text(JsonObject o, String field) {
        if (!o.has(field) || o.get(field).isJsonNull()) return null;
        if (!o.get(field).isJsonPrimitive() || !o.getAsJsonPrimitive(field).isString()) {
            throw new IllegalArgumentException("'" + field + "' must be a string");
        }
        return o.get(field).getAsString();
    }

    /** JSON has no NaN: an unknown value is null. */
    private static Double number(double value) {
        return Double.isNaN(value) ? null : value;
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> out = new HashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null) return out;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) continue;
            out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static void json(HttpExchange ex, int status, Object body) throws IOException {
        send(ex, status, "application/json; charset=utf-8", GSON.toJson(body));
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        send(ex, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
