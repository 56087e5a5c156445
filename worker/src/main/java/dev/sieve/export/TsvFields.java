package dev.sieve.export;

import java.util.ArrayList;
import java.util.List;

/**
 * The fields of the export's {@code .tsv} files ({@code manifest.tsv}, {@code problems.tsv}). Ids and URIs come from
 * producers and may hold a tab or a line break, which would forge a field or a whole row: written, {@code \} becomes
 * {@code \\}, a tab {@code \t}, a line feed {@code \n}, a carriage return {@code \r} (the escapes of PostgreSQL's and
 * Python's "text" TSV). Everything else is written as it is, so ordinary ids and URIs read the same as before. Read
 * back, a {@code \} before any other character, or at the end, stays as it is: a hand-edited file never stops a reader.
 */
public final class TsvFields {
    private TsvFields() {}

    /** One row: the fields escaped, joined by tabs, ended by a line feed. */
    public static String row(String... fields) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) out.append('\t');
            out.append(escape(fields[i]));
        }
        return out.append('\n').toString();
    }

    /** The fields of one row (without its line break), unescaped. */
    public static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        for (String field : line.split("\t", -1)) fields.add(unescape(field));
        return fields;
    }

    static String escape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            char next = i + 1 < field.length() ? field.charAt(i + 1) : 0;
            if (c == '\\' && (next == '\\' || next == 't' || next == 'n' || next == 'r')) {
                out.append(next == 't' ? '\t' : next == 'n' ? '\n' : next == 'r' ? '\r' : '\\');
                i++;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
