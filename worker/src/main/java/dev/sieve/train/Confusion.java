package dev.sieve.train;

import java.util.List;
import java.util.Locale;

/** A confusion matrix over a head's labels: rows the curated class, columns the head's top label. */
public final class Confusion {
    private final List<String> labels;
    private final long[][] counts;

    public Confusion(List<String> labels) {
        this.labels = List.copyOf(labels);
        this.counts = new long[labels.size()][labels.size()];
    }

    public void add(int actual, int predicted) {
        counts[actual][predicted]++;
    }

    public long count(int actual, int predicted) {
        return counts[actual][predicted];
    }

    public long total() {
        long n = 0;
        for (long[] row : counts) for (long c : row) n += c;
        return n;
    }

    public double accuracy() {
        long right = 0;
        for (int k = 0; k < counts.length; k++) right += counts[k][k];
        return total() == 0 ? Double.NaN : (double) right / total();
    }

    /** Of the images the head put in {@code k}, the share that belong there; NaN when it put none there. */
    public double precision(int k) {
        long predicted = 0;
        for (long[] row : counts) predicted += row[k];
        return predicted == 0 ? Double.NaN : (double) counts[k][k] / predicted;
    }

    /** Of the images that belong in {@code k}, the share the head put there; NaN when none do. */
    public double recall(int k) {
        long actual = 0;
        for (long c : counts[k]) actual += c;
        return actual == 0 ? Double.NaN : (double) counts[k][k] / actual;
    }

    /** The matrix and per-label precision and recall as a fixed-width table. */
    public String table() {
        int width = Math.max(8, labels.stream().mapToInt(String::length).max().orElse(0) + 1);
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", "class\\top"));
        for (String l : labels) s.append(String.format(Locale.ROOT, " %" + width + "s", l));
        s.append(String.format(Locale.ROOT, " %9s %9s%n", "precision", "recall"));
        for (int k = 0; k < labels.size(); k++) {
            s.append(String.format(Locale.ROOT, "%-" + width + "s", labels.get(k)));
            for (long c : counts[k]) s.append(String.format(Locale.ROOT, " %" + width + "d", c));
            s.append(String.format(Locale.ROOT, " %9.3f %9.3f%n", precision(k), recall(k)));
        }
        s.append(String.format(Locale.ROOT, "accuracy %.3f over %d held-out images%n", accuracy(), total()));
        return s.toString();
    }
}
