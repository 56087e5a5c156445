package dev.sieve.kafka;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;

/**
 * An Apicurio Registry (3.x, its v3 REST API) that sieve's Avro values are registered in and resolved against, instead of
 * carrying a schema fingerprint in every message. Optional: without one, sieve uses Avro single-object encoding.
 *
 * @param url the registry's API root, e.g. {@code http://registry:8080/apis/registry/v3}
 */
public record SchemaRegistry(URI url) {
    /** How long the start-up check waits for the registry: a wrong URL fails the command at once, not at record 1. */
    public static final Duration CHECK_TIMEOUT = Duration.ofSeconds(5);

    public SchemaRegistry {
        if (url == null) throw new IllegalArgumentException("schema registry URL: missing");
        String scheme = url.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme) || url.getHost() == null) {
            throw new IllegalArgumentException("schema registry URL " + url
                    + ": expected http(s)://host:port/apis/registry/v3 (Apicurio Registry 3)");
        }
        String path = url.getPath() == null ? "" : url.getPath();
        if (path.endsWith("/")) url = URI.create(url.toString().substring(0, url.toString().length() - 1));
    }

    public static SchemaRegistry parse(String url) {
        try {
            return new SchemaRegistry(URI.create(url.strip()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().startsWith("schema registry")
                    ? e.getMessage() : "schema registry URL " + url + ": " + e.getMessage(), e);
        }
    }

    /**
     * The Apicurio serde settings sieve uses. Artifacts are named after the record (dev.sieve.avro.ImageRef...), not the
     * topic, so bucket topics made at run time need no registration of their own; writers register a schema the
     * first time they use it (auto-register); readers return sieve's generated classes.
     */
    public Map<String, Object> serdeConfig() {
        return Map.of(
                "apicurio.registry.url", url.toString(),
                "apicurio.registry.auto-register", "true",
                "apicurio.registry.artifact-resolver-strategy", "io.apicurio.registry.serde.avro.strategy.RecordIdStrategy",
                "apicurio.registry.use-specific-avro-reader", "true",
                // Every length checked against the record's size before Avro allocates it (see BoundedDecoder).
                "apicurio.registry.avro-datum-provider", BoundedDatumProvider.class.getName(),
                // A registry that stops answering fails a record after a few short retries, not after minutes.
                "apicurio.registry.retry-count", "2",
                "apicurio.registry.retry-backoff-ms", "300");
    }

    /**
     * Asks the registry for its system info within {@link #CHECK_TIMEOUT}.
     *
     * @throws IllegalStateException saying why, when nothing (or not an Apicurio Registry 3) answers
     */
    public void check() {
        URI info = URI.create(url + "/system/info");
        HttpClient client = HttpClient.newBuilder().connectTimeout(CHECK_TIMEOUT).build();
        HttpRequest request = HttpRequest.newBuilder(info).timeout(CHECK_TIMEOUT).GET().build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("schema registry " + url + ": GET " + info + " answered HTTP "
                        + response.statusCode() + " (expected an Apicurio Registry 3 API root, .../apis/registry/v3)");
            }
        } catch (HttpTimeoutException e) {
            throw new IllegalStateException("schema registry " + url + ": no answer within " + CHECK_TIMEOUT.toSeconds() + " s", e);
        } catch (ConnectException e) {
            throw new IllegalStateException("schema registry " + url + ": cannot connect (" + reason(e) + ")", e);
        } catch (IOException e) {
            throw new IllegalStateException("schema registry " + url + ": " + reason(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("schema registry " + url + ": interrupted while checking", e);
        }
    }

    private static String reason(Throwable e) {
        Throwable t = e;
        while (t.getMessage() == null && t.getCause() != null) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
