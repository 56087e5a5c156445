package dev.sieve.train;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** city96's revision strings ({@code v1.16}, {@code v0.2}): the next one counts up the last number. */
final class Revisions {
    private static final Pattern LAST_NUMBER = Pattern.compile("^(.*?)(\\d+)(\\D*)$");

    private Revisions() {
    }

    /** {@code v1.16} → {@code v1.17}, {@code v0.9} → {@code v0.10}, {@code v2} → {@code v3}. */
    static String next(String revision) {
        Matcher m = LAST_NUMBER.matcher(revision);
        if (revision.isEmpty() || !m.matches() || m.group(2).length() > 9) {
            throw new IllegalArgumentException("revision \"" + revision + "\" has no number to count up; give --revision");
        }
        return m.group(1) + (Long.parseLong(m.group(2)) + 1) + m.group(3);
    }
}
