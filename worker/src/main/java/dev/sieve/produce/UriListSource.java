package dev.sieve.produce;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A list of references, one a line: a URI, or a path (made a file URI of its absolute path, relative to the
 * working folder), optionally preceded by an id and a tab ({@code id<TAB>uri}) to give the id instead of
 * deriving it. Blank lines and lines starting with {@code #} are skipped.
 */
final class UriListSource implements RefSource {

    static final Pattern URI_SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+:");

    private final Reader reader;
    private final String name;

    UriListSource(Reader reader, String name) {
        this.reader = reader;
        this.name = name;
    }

    @Override
    public void forEach(Consumer<SourceEntry> sink) throws IOException {
        BufferedReader lines = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
        int number = 0;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            number++;
            String text = line.stripTrailing();
            if (text.isBlank() || text.strip().startsWith("#")) continue;
            String origin = name + ":" + number;
            String id = null;
            // Look for the tab before stripping: a line starting with one has an empty id, not none.
            int tab = text.indexOf('\t');
            if (tab >= 0) {
                id = text.substring(0, tab).strip();
                text = text.substring(tab + 1).strip();
                if (id.isEmpty()) {
                    sink.accept(new SourceEntry.Rejected(origin, "empty id before the tab"));
                    continue;
                }
            }
            sink.accept(toRef(id, text.strip(), RefSource.CLI, origin));
        }
    }

    /** A reference to {@code text}: kept as it is when written as a URI, else a path made a file URI. */
    static SourceEntry toRef(String id, String text, String source, String origin) {
        if (text.isEmpty()) return new SourceEntry.Rejected(origin, "no URI");
        if (RefSource.looksLikeUri(text)) return new SourceEntry.Ref(id, text, source, origin);
        try {
            return new SourceEntry.Ref(id, Path.of(text).toAbsolutePath().normalize().toUri().toString(), source, origin);
        } catch (InvalidPathException e) {
            return new SourceEntry.Rejected(origin, "neither a URI nor a path: " + text);
        }
    }
}
