package dev.sieve.fetch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds requests in flight, overall and per host, without blocking the caller: a request that does not fit
 * waits in a queue and its future completes when a slot frees up.
 *
 * <p>A request takes its host's slot first, then a global one. It may hold its host slot while it waits for a
 * global one: that only delays other requests to the same host, which could not start anyway while the global
 * bound is reached. The fixed order (host, then global) rules out deadlock, and both queues are FIFO, so no
 * request waits for ever while slots keep freeing up.
 */
final class RequestSlots {

    /** A granted slot; {@link #release()} gives it back (only the first call counts). */
    interface Slot {
        void release();
    }

    private static final class Host {
        int inFlight;
        /** Requests holding or waiting for a slot of this host; the entry is dropped at zero. */
        int users;
        final ArrayDeque<CompletableFuture<Slot>> waiting = new ArrayDeque<>();
    }

    private record GlobalWaiter(String host, CompletableFuture<Slot> future) {}

    private final int maxTotal;
    private final int maxPerHost;
    private final Map<String, Host> hosts = new HashMap<>();
    private final ArrayDeque<GlobalWaiter> waitingGlobal = new ArrayDeque<>();
    private int total;

    RequestSlots(int maxTotal, int maxPerHost) {
        this.maxTotal = maxTotal;
        this.maxPerHost = maxPerHost;
    }

    CompletableFuture<Slot> acquire(String host) {
        CompletableFuture<Slot> future = new CompletableFuture<>();
        List<Runnable> grants = new ArrayList<>(1);
        synchronized (this) {
            Host h = hosts.computeIfAbsent(host, k -> new Host());
            h.users++;
            if (h.inFlight < maxPerHost) {
                h.inFlight++;
                admitGlobally(host, future, grants);
            } else {
                h.waiting.add(future);
            }
        }
        grants.forEach(Runnable::run);
        return future;
    }

    /** Counts for tests and metrics: {in flight overall, waiting for any slot}. */
    synchronized int[] counts() {
        int waiting = waitingGlobal.size();
        for (Host h : hosts.values()) {
            waiting += h.waiting.size();
        }
        return new int[] {total, waiting};
    }

    private void release(String host) {
        List<Runnable> grants = new ArrayList<>();
        synchronized (this) {
            Host h = hosts.get(host);
            h.inFlight--;
            h.users--;
            total--;
            CompletableFuture<Slot> next = h.waiting.poll();
            if (next != null) {
                h.inFlight++;
                admitGlobally(host, next, grants);
            } else if (h.users == 0) {
                hosts.remove(host);
            }
            while (total < maxTotal && !waitingGlobal.isEmpty()) {
                GlobalWaiter w = waitingGlobal.poll();
                total++;
                grants.add(grant(w.host(), w.future()));
            }
        }
        // Completing outside the lock: the continuations (sending a request) must not run while holding it.
        grants.forEach(Runnable::run);
    }

    private void admitGlobally(String host, CompletableFuture<Slot> future, List<Runnable> grants) {
        if (total < maxTotal) {
            total++;
            grants.add(grant(host, future));
        } else {
            waitingGlobal.add(new GlobalWaiter(host, future));
        }
    }

    private Runnable grant(String host, CompletableFuture<Slot> future) {
        AtomicBoolean released = new AtomicBoolean();
        Slot slot = () -> {
            if (released.compareAndSet(false, true)) release(host);
        };
        return () -> {
            if (!future.complete(slot)) slot.release();
        };
    }
}
