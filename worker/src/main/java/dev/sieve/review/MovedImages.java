package dev.sieve.review;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the newest revision of each classifier head changed: per head family, the images whose top label differs
 * between its two newest revisions on images.scored. The page's second pass goes through these only.
 */
public final class MovedImages {
    /**
     * One image the new revision moved.
     *
     * @param now    the newer revision's view (its head name, revision, top label and probabilities): marks correct this
     * @param before the older revision's view of the same image
     */
    public record Moved(ReviewImage now, ReviewImage before) {}

    /**
     * One head family.
     *
     * @param family   the head name without its revision
     * @param older    the second-newest revision seen ("" when only one was)
     * @param newer    the newest revision seen
     * @param head     the newest revision's head name (the one corrections name)
     * @param labels   the newest revision's labels, in its order (the digit keys)
     * @param compared images both revisions scored
     * @param moved    those whose top label changed
     */
    public record Family(String family, String older, String newer, String head, List<String> labels, int compared, List<Moved> moved) {
        public Family {
            labels = List.copyOf(labels);
            moved = List.copyOf(moved);
        }

        public boolean oneRevision() {
            return older.isEmpty();
        }
    }

    private final Map<String, Family> families = new TreeMap<>();
    /** Marks made on this page, by head name and id: what the page shows as done when it lists a family again. */
    private final Map<String, String> marks = new TreeMap<>();
    private final String note;

    MovedImages(List<Family> families, String note) {
        families.forEach(f -> this.families.put(f.family(), f));
        this.note = note;
    }

    /** No view: review read from an export folder, or was told not to read images.scored. */
    public static MovedImages none(String why) {
        return new MovedImages(List.of(), why);
    }

    public synchronized List<Family> families() {
        return List.copyOf(families.values());
    }

    public synchronized Optional<Family> family(String family) {
        return Optional.ofNullable(families.get(family));
    }

    /** Why the view is empty or incomplete; "" when it is neither. */
    public String note() {
        return note;
    }

    public synchronized List<Moved> images(String family, ReviewOrder order) {
        Family f = families.get(family);
        if (f == null) return List.of();
        List<Moved> out = new ArrayList<>(f.moved());
        out.sort((a, b) -> order.comparator().compare(a.now(), b.now()));
        return out;
    }

    /** The image as the newest revision named {@code head} sees it. */
    public synchronized Optional<ReviewImage> find(String head, String id) {
        for (Family f : families.values()) {
            if (!f.head().equals(head)) continue;
            for (Moved m : f.moved()) if (m.now().id().equals(id)) return Optional.of(m.now());
        }
        return Optional.empty();
    }

    public synchronized void mark(String head, String id, String newLabel) {
        marks.put(head + "\u0000" + id, newLabel == null ? "" : newLabel);
    }

    /** The mark made on this page: the new label, "" for excluded, empty when none. */
    public synchronized Optional<String> markOf(String head, String id) {
        return Optional.ofNullable(marks.get(head + "\u0000" + id));
    }
}
