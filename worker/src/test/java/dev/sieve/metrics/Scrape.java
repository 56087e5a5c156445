package dev.sieve.metrics;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** One Prometheus text scrape, parsed into series ({@code name{labels}}) and values; plus probe status codes. */
public record Scrape(Map<String, Double> series) {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public static Scrape of(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = get(port, MetricsServer.METRICS_PATH);
        if (r.statusCode() != 200) throw new IllegalStateException("GET /metrics: " + r.statusCode());
        return parse(r.body());
    }

    public static int status(int port, String path) throws IOException, InterruptedException {
        return get(port, path).statusCode();
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build();
        return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    }

    static Scrape parse(String text) {
        Map<String, Double> series = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int space = line.lastIndexOf(' ');
            series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return new Scrape(series);
    }

    /** Metric names as Prometheus stores them (with _total, _bucket, … suffixes). */
    public Set<String> names() {
        Set<String> names = new TreeSet<>();
        for (String s : series.keySet()) {
            int brace = s.indexOf('{');
            names.add(brace < 0 ? s : s.substring(0, brace));
        }
        return names;
    }

    /** The value of the one series named {@code name} whose labels include every {@code label="value"} given. */
    public double value(String name, String... labels) {
        double found = Double.NaN;
        for (var e : series.entrySet()) {
            String s = e.getKey();
            if (!(s.equals(name) || s.startsWith(name + "{"))) continue;
            boolean all = true;
            for (String l : labels) all &= s.contains(l);
            if (!all) continue;
            if (!Double.isNaN(found)) throw new IllegalStateException("more than one series " + name + " " + String.join(",", labels));
            found = e.getValue();
        }
        if (Double.isNaN(found)) throw new IllegalStateException("no series " + name + " " + String.join(",", labels));
        return found;
    }
}
