package dev.sieve.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the sieve checkout (or install) is: bundled models and samples are found from here. */
final class Home {
    private Home() {}

    static Path dir() {
        String p = System.getProperty("sieve.home");
        if (p == null || p.isBlank()) p = System.getenv("SIEVE_HOME");
        if (p == null || p.isBlank()) {
            Path cwd = Path.of("").toAbsolutePath();
            // Run from worker/ (as Maven does) or from the checkout's root.
            return Files.isDirectory(cwd.resolve("models")) ? cwd : cwd.getParent() != null ? cwd.getParent() : cwd;
        }
        return Path.of(p).toAbsolutePath().normalize();
    }

    static Path fixtureClip() {
        return dir().resolve("models/fixtures/clip-tiny-336/clip-tiny-336.pt");
    }

    static Path fixtureHeads() {
        return dir().resolve("models/fixtures/heads");
    }

    static Path samples() {
        return dir().resolve("scripts/samples");
    }
}
