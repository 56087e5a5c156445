package dev.sieve.metrics;

/** What the probes ask: is the process still doing its job (live), and should it get work now (ready). */
public interface Health {
    boolean live();

    boolean ready();

    /** Always live and ready: for a process with nothing to wait for. */
    static Health always() {
        return new Health() {
            @Override
            public boolean live() { return true; }

            @Override
            public boolean ready() { return true; }
        };
    }
}
