package dev.sieve.cli;

import dev.sieve.sort.TagRules;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The sorter's tag rules on the command line (a picocli mixin shared by {@code sort} and {@code export}). */
public final class TagRuleOptions {
    @Option(names = "--threshold", paramLabel = "HEAD:LABEL=P",
            description = {"Tag LABEL of HEAD when its probability is at least P (repeatable). A head with thresholds is tagged by them "
                    + "instead of by its top label, so it can give several tags or none; its labels without a threshold are not tagged. "
                    + "HEAD or LABEL may be '*' (lookup order: HEAD:LABEL, HEAD:*, *:LABEL, *:*).",
                    "Default: none (every classifier head tags its top label)."})
    List<String> thresholds = new ArrayList<>();

    @Option(names = "--score-bands", paramLabel = "HEAD=B1,B2,...",
            description = {"Tag score head HEAD (or '*') with the band its score falls in, e.g. aesthetic=0.25,0.5,0.75 gives buckets "
                    + "0.00-0.25 ... 0.75-1.00 (repeatable).", "Default: none (score heads give no tag)."})
    List<String> scoreBands = new ArrayList<>();

    TagRules rules() {
        return TagRules.parse(thresholds, scoreBands);
    }

    boolean isDefault() {
        return thresholds.isEmpty() && scoreBands.isEmpty();
    }
}
