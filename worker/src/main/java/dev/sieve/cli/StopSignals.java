package dev.sieve.cli;

import sun.misc.Signal;

/**
 * Turns SIGTERM and SIGINT into a request to stop, instead of the JVM's default (run the shutdown hooks, then exit
 * 143). A worker asked to stop this way drains, commits and returns normally, so `sieve work` exits 0 and
 * Kubernetes sees a clean stop. sun.misc.Signal is the JDK's only signal API; it lives in jdk.unsupported,
 * which every JDK ships.
 */
final class StopSignals {
    private StopSignals() {}

    /** Calls {@code stop} on SIGTERM and SIGINT; a signal the JVM reserves (with -Xrs, say) keeps its default. */
    static void install(Runnable stop) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> stop.run());
            } catch (IllegalArgumentException e) {
                System.err.println("cannot handle SIG" + name + " (" + e.getMessage() + "); the shutdown hook stops the worker");
            }
        }
    }
}
