package dev.sieve.sort;

import dev.sieve.model.HeadRevision;

/**
 * The name of a head across its versions: city96 names a head file {@code <base>-<rev>}
 * ({@code CCAnime-ChromaticAberration-v1.16}, rev {@code v1.16}), so a new version is a new head name. Corrections
 * are kept per family, so a manual label survives a re-score by the next version of the same head.
 */
public final class HeadFamily {
    private HeadFamily() {}

    /** {@code name} without a trailing {@code -<revision>}; {@code name} itself when the revision is empty or not its suffix. */
    public static String of(String name, String revision) {
        return HeadRevision.family(name, revision);
    }
}
