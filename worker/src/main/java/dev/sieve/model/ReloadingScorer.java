package dev.sieve.model;

import dev.sieve.StageException;
import dev.sieve.avro.CropCombine;
import dev.sieve.image.PreparedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A {@link Scorer} whose heads can be replaced by newer revisions while the worker runs. A replacement waits for the
 * batch in progress and applies from the next one: a batch is scored by one set of heads, and each record names the
 * revision that scored it. The lock is fair, so a waiting replacement goes before the next batch.
 *
 * <p>Owns the CLIP embedder and the heads: {@link #close()} closes them.
 */
public final class ReloadingScorer implements BatchScorer, AutoCloseable {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock(true);
    private final CropCombine combine;
    private final Map<String, CropCombine> combineByHead;
    private volatile Scorer current;

    /** @param combine, combineByHead the rules {@code initial} was built with; a new revision keeps its head's rule */
    public ReloadingScorer(Scorer initial, CropCombine combine, Map<String, CropCombine> combineByHead) {
        this.current = initial;
        this.combine = combine;
        this.combineByHead = new LinkedHashMap<>(combineByHead);
    }

    @Override
    public List<ImageScore> score(List<PreparedImage> images) throws StageException {
        lock.readLock().lock();
        try {
            return current.score(images);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Unchanged by a replacement: a new revision must be of its head's kind. */
    @Override
    public boolean needsWholeImage() {
        return current.needsWholeImage();
    }

    public List<CityHead> heads() {
        return current.heads();
    }

    /**
     * Puts {@code next} in place of the loaded head of its family, from the next batch on, and closes the old one.
     *
     * @throws IllegalArgumentException when no loaded head is of its family, it is not newer, or it is of another
     *                                  kind (a classifier for a score head); nothing changes, and the caller closes {@code next}
     */
    public synchronized void replace(CityHead next) {
        String family = HeadRevision.family(next.name(), next.revision());
        List<CityHead> heads = new ArrayList<>(current.heads());
        int at = -1;
        for (int i = 0; i < heads.size(); i++) {
            if (HeadRevision.family(heads.get(i).name(), heads.get(i).revision()).equals(family)) at = i;
        }
        if (at < 0) throw new IllegalArgumentException(next.name() + ": no loaded head of family " + family + " (a new head needs a restart)");
        CityHead old = heads.get(at);
        if (HeadRevision.compare(next.revision(), old.revision()) <= 0) {
            throw new IllegalArgumentException(next.name() + ": revision " + next.revision() + " is not newer than " + old.revision());
        }
        if (next.head().getClass() != old.head().getClass()) {
            throw new IllegalArgumentException(next.name() + " is a " + next.head().kind() + " head, " + old.name() + " a "
                    + old.head().kind() + " one: a revision keeps its head's kind (restart to change it)");
        }
        heads.set(at, next);
        Map<String, CropCombine> rules = new LinkedHashMap<>(combineByHead);
        CropCombine rule = rules.remove(old.name());
        if (rule != null) rules.put(next.name(), rule);
        Scorer replacement = new Scorer(current.clip(), heads, combine, rules, current.device(), current.keepsEmbeddings());
        lock.writeLock().lock();
        try {
            current = replacement;
        } finally {
            lock.writeLock().unlock();
        }
        combineByHead.clear();
        combineByHead.putAll(rules);
        old.close();
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            current.close();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
