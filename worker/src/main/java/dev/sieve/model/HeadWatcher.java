package dev.sieve.model;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a heads folder and swaps a newer revision of a loaded head into the {@link ReloadingScorer}. The folder's
 * change events wake it (inotify on Linux); a rescan every {@code rescan} catches what events miss (network file
 * systems, where another machine's writes raise none). A candidate is the newest revision of a loaded head's family
 * that is newer than the one in use; one that does not load (half-written, corrupt, another kind) is logged, reported
 * as {@link Result#FAILED} and not tried again until one of its two files changes; the head in use stays.
 */
public final class HeadWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeadWatcher.class);
    /** After a change event, wait this long without another before rescanning: a copy in progress raises many. */
    private static final Duration SETTLE = Duration.ofMillis(300);

    public enum Result { LOADED, FAILED }

    /** What one attempt did: the file, its head's name, and the reason when it failed. */
    public record Reload(Path file, String head, Result result, String message) {}

    private final Path dir;
    private final Device device;
    private final ReloadingScorer scorer;
    private final Duration rescan;
    private final Consumer<Reload> listener;
    private final Set<String> refused = new HashSet<>();
    private final Set<String> ignored = new HashSet<>();
    private final WatchService watch;
    private final Thread thread;
    private volatile boolean closed;

    private HeadWatcher(Path dir, Device device, ReloadingScorer scorer, Duration rescan, Consumer<Reload> listener, WatchService watch) {
        this.dir = dir;
        this.device = device;
        this.scorer = scorer;
        this.rescan = rescan;
        this.listener = listener;
        this.watch = watch;
        this.thread = new Thread(this::loop, "sieve-heads-watch");
        this.thread.setDaemon(true);
    }

    /**
     * @param rescan   how often the folder is read even without a change event
     * @param listener told of every attempt (metrics), on the watcher's thread
     */
    public static HeadWatcher start(Path dir, Device device, ReloadingScorer scorer, Duration rescan, Consumer<Reload> listener) {
        if (rescan.isNegative() || rescan.isZero()) throw new IllegalArgumentException("rescan interval must be > 0, got " + rescan);
        WatchService watch = null;
        try {
            watch = dir.getFileSystem().newWatchService();
            dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("heads folder {}: no change events ({}); rescanning every {} s only", dir, e.getMessage(), rescan.toSeconds());
            watch = null;
        }
        HeadWatcher w = new HeadWatcher(dir, device, scorer, rescan, listener, watch);
        w.thread.start();
        LOG.info("watching {} for new head revisions (rescan every {} ms)", dir, rescan.toMillis());
        return w;
    }

    private void loop() {
        while (!closed) {
            try {
                if (watch == null) {
                    Thread.sleep(rescan.toMillis());
                } else if (drained(watch.poll(rescan.toMillis(), TimeUnit.MILLISECONDS))) {
                    while (drained(watch.poll(SETTLE.toMillis(), TimeUnit.MILLISECONDS))) {
                        // more changes: wait for the folder to settle
                    }
                }
                if (!closed) rescan();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warn("heads folder {}: cannot read it: {}", dir, e.toString());
            }
        }
    }

    private static boolean drained(WatchKey key) {
        if (key == null) return false;
        key.pollEvents();
        key.reset();
        return true;
    }

    /** One pass over the folder; public so that a caller can force one (and tests need not wait for an event). */
    public synchronized void rescan() throws IOException {
        List<CityHead> loaded = scorer.heads();
        for (HeadFolder.Candidate c : HeadFolder.newest(HeadFolder.scan(dir))) {
            CityHead current = loaded.stream()
                    .filter(h -> HeadRevision.family(h.name(), h.revision()).equals(c.family())).findFirst().orElse(null);
            if (current == null) {
                if (ignored.add(c.name())) LOG.info("{}: not a revision of a loaded head; a new head is loaded at the next start", c.weights());
                continue;
            }
            if (c.name().equals(current.name()) || refused.contains(c.weights() + "|" + c.stamp())) continue;
            if (c.problem() == null && HeadRevision.compare(c.revision(), current.revision()) <= 0) continue;
            attempt(c, current);
        }
    }

    private void attempt(HeadFolder.Candidate c, CityHead current) {
        CityHead next = null;
        try {
            if (c.problem() != null) throw new IOException(c.problem());
            next = CityHead.load(c.weights(), device);
            scorer.replace(next);
            LOG.info("head {} replaced by {} (revision {} → {}) from the next batch", current.name(), next.name(), current.revision(), next.revision());
            listener.accept(new Reload(c.weights(), next.name(), Result.LOADED, ""));
        } catch (IOException | RuntimeException e) {
            if (next != null) next.close();
            refused.add(c.weights() + "|" + c.stamp());
            LOG.warn("{}: not loaded, {} stays in use: {}", c.weights(), current.name(), e.getMessage());
            listener.accept(new Reload(c.weights(), c.name(), Result.FAILED, String.valueOf(e.getMessage())));
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            if (watch != null) watch.close();
            thread.join(10_000);
        } catch (IOException e) {
            LOG.debug("closing the watch on {}: {}", dir, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
