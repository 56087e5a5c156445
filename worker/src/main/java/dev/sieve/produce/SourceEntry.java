package dev.sieve.produce;

import java.util.Map;

/** What a {@link RefSource} yields: a reference to send, or an input it could not turn into one. */
public sealed interface SourceEntry {

    /**
     * @param id     the id the input gave, or {@code null} to derive it from the URI ({@link RefIds})
     * @param uri    the image's URI as it will be sent
     * @param source the default {@code source} field (the folder's name, or "cli"); {@code --source} overrides it
     * @param origin where it came from, for messages ("list.txt:12", a path)
     * @param attributes the input's own attributes (a table's other columns, a shard's caption and metadata), within
     *                   {@link AttributeBounds}; {@code --attr} is added on top
     */
    record Ref(String id, String uri, String source, String origin, Map<String, String> attributes) implements SourceEntry {
        public Ref(String id, String uri, String source, String origin) {
            this(id, uri, source, origin, Map.of());
        }
    }

    /** An input that is not sent: {@code reason} says why. */
    record Rejected(String origin, String reason) implements SourceEntry {}
}
