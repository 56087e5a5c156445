package dev.sieve.produce;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A table of references, as img2dataset reads its url lists: CSV (RFC 4180: a header row, quoted fields with commas,
 * doubled quotes and line breaks) or JSON lines (one object a line), with the image's address in a named column.
 * The other columns become attributes ({@link AttributeBounds}); {@code idColumn}, when given, the id. A row without
 * the URL, an unparsable line, or a record over {@link #MAX_RECORD_CHARS} is rejected with its line number; the rest
 * go on.
 */
final class TableSource implements RefSource {

    enum Format { CSV, JSONL }

    /** One record (a CSV row, quoted line breaks included, or a JSON line) is read at most this far. */
    static final int MAX_RECORD_CHARS = 1024 * 1024;

    private final Reader reader;
    private final String name;
    private final Format format;
    private final String urlColumn;
    private final String idColumn;

    TableSource(Reader reader, String name, Format format, String urlColumn, String idColumn) {
        this.reader = reader;
        this.name = name;
        this.format = format;
        this.urlColumn = urlColumn;
        this.idColumn = idColumn;
    }

    @Override
    public void forEach(Consumer<SourceEntry> sink) throws IOException {
        BufferedReader in = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
        Records records = new Records(in);
        List<String> header = null;
        for (Record record = records.next(); record != null; record = records.next()) {
            String origin = name + ":" + record.line();
            if (record.tooLong()) {
                sink.accept(new SourceEntry.Rejected(origin, "a record of more than " + MAX_RECORD_CHARS + " characters"));
                continue;
            }
            if (record.text().isBlank()) continue;
            if (format == Format.CSV) {
                List<String> fields = csvFields(record.text());
                if (header == null) {
                    header = fields;
                    if (!header.contains(urlColumn)) {
                        sink.accept(new SourceEntry.Rejected(origin, "no column '" + urlColumn + "' in the header " + header));
                        return;
                    }
                    continue;
                }
                AttributeBounds attributes = new AttributeBounds();
                String url = null;
                String id = null;
                for (int i = 0; i < Math.min(header.size(), fields.size()); i++) {
                    String column = header.get(i);
                    if (column.equals(urlColumn)) url = fields.get(i);
                    else if (column.equals(idColumn)) id = fields.get(i);
                    else if (!fields.get(i).isEmpty()) attributes.put(column, fields.get(i));
                }
                emit(sink, origin, url, id, attributes);
            } else {
                JsonObject object;
                try {
                    JsonElement parsed = JsonParser.parseString(record.text());
                    if (!parsed.isJsonObject()) throw new JsonParseException("not an object");
                    object = parsed.getAsJsonObject();
                } catch (JsonParseException e) {
                    sink.accept(new SourceEntry.Rejected(origin, "not a JSON object: " + e.getMessage()));
                    continue;
                }
                AttributeBounds attributes = new AttributeBounds();
                String url = null;
                String id = null;
                for (Map.Entry<String, JsonElement> field : object.entrySet()) {
                    String value = text(field.getValue());
                    if (field.getKey().equals(urlColumn)) url = value;
                    else if (field.getKey().equals(idColumn)) id = value;
                    else if (value != null) attributes.put(field.getKey(), value);
                }
                emit(sink, origin, url, id, attributes);
            }
        }
    }

    /** A string as it is, a number or boolean as written, an object or array as JSON text, null as nothing. */
    static String text(JsonElement value) {
        if (value == null || value.isJsonNull()) return null;
        if (value.isJsonPrimitive()) return value.getAsJsonPrimitive().getAsString();
        return value.toString();
    }

    private static void emit(Consumer<SourceEntry> sink, String origin, String url, String id, AttributeBounds attributes) {
        if (url == null || url.isBlank()) {
            sink.accept(new SourceEntry.Rejected(origin, "no URL"));
            return;
        }
        if (attributes.problem().isPresent()) {
            sink.accept(new SourceEntry.Rejected(origin, attributes.problem().get()));
            return;
        }
        SourceEntry entry = UriListSource.toRef(id == null || id.isBlank() ? null : id.strip(), url.strip(), RefSource.CLI, origin);
        if (entry instanceof SourceEntry.Ref ref) {
            entry = new SourceEntry.Ref(ref.id(), ref.uri(), ref.source(), ref.origin(), attributes.attributes());
        }
        sink.accept(entry);
    }

    /** RFC 4180 fields of one record; quotes may hold commas, doubled quotes and line breaks. */
    static List<String> csvFields(String record) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < record.length(); i++) {
            char c = record.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < record.length() && record.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }

    private record Record(String text, int line, boolean tooLong) {}

    /** Reads records: a line, or for CSV several while a quote is open; never more than the bound is held. */
    private final class Records {
        private final BufferedReader in;
        private int line;

        Records(BufferedReader in) {
            this.in = in;
        }

        Record next() throws IOException {
            StringBuilder text = new StringBuilder();
            int first = line + 1;
            boolean quoted = false;
            boolean tooLong = false;
            int c;
            boolean any = false;
            while ((c = in.read()) >= 0) {
                any = true;
                if (c == '"' && format == Format.CSV) quoted = !quoted;
                if (c == '\n') {
                    line++;
                    if (!quoted) return new Record(tooLong ? "" : strip(text, first), first, tooLong);
                }
                if (text.length() < MAX_RECORD_CHARS) text.append((char) c);
                else tooLong = true;
            }
            if (!any) return null;
            line++;
            return new Record(tooLong ? "" : strip(text, first), first, tooLong);
        }

        private String strip(StringBuilder text, int first) {
            int end = text.length();
            if (end > 0 && text.charAt(end - 1) == '\r') end--;
            // A byte-order mark opens many spreadsheet exports.
            int start = first == 1 && end > 0 && text.charAt(0) == '\uFEFF' ? 1 : 0;
            return text.substring(start, end);
        }
    }
}
