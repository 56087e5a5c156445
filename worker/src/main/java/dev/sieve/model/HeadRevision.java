package dev.sieve.model;

import java.math.BigInteger;
import java.util.Comparator;

/**
 * A head's place among its versions. city96 names a head file {@code <base>-<rev>}
 * ({@code CCAnime-ChromaticAberration-v1.16}, rev {@code v1.16}), so a new version is a new head name; the family is
 * the name without that suffix, and revisions order like version numbers ({@code v0.9 < v0.10 < v1.2}).
 */
public final class HeadRevision {
    /** Digit runs compare as numbers, other runs as text; "" (no revision) comes first. */
    public static final Comparator<String> ORDER = HeadRevision::compare;

    private HeadRevision() {}

    /** {@code name} without a trailing {@code -<revision>}; {@code name} itself when the revision is empty or not its suffix. */
    public static String family(String name, String revision) {
        if (revision == null || revision.isEmpty()) return name;
        String suffix = "-" + revision;
        return name.endsWith(suffix) && name.length() > suffix.length() ? name.substring(0, name.length() - suffix.length()) : name;
    }

    public static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ei = runEnd(a, i);
            int ej = runEnd(b, j);
            String ra = a.substring(i, ei);
            String rb = b.substring(j, ej);
            boolean da = Character.isDigit(ra.charAt(0));
            boolean db = Character.isDigit(rb.charAt(0));
            int c = da && db ? new BigInteger(ra).compareTo(new BigInteger(rb)) : da != db ? (da ? 1 : -1) : ra.compareTo(rb);
            if (c != 0) return c;
            i = ei;
            j = ej;
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private static int runEnd(String s, int from) {
        boolean digits = Character.isDigit(s.charAt(from));
        int end = from + 1;
        while (end < s.length() && Character.isDigit(s.charAt(end)) == digits) end++;
        return end;
    }
}
