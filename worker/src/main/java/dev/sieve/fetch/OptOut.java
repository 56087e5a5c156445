package dev.sieve.fetch;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A site's "not for AI" answer: an {@code X-Robots-Tag} response header naming one of {@code directives}, for every
 * robot or for {@code userAgentToken}. Parsed as img2dataset parses it ({@code downloader.py}, {@code is_disallowed}):
 * each header value is {@code [token:] directive, directive, ...}, directives compared in lower case; a value naming
 * another robot ({@code X-Robots-Tag: otherbot: noai}) does not apply. One difference: a prefix that cannot be a robot's
 * token (it holds a comma or a space, as in {@code noindex, unavailable_after: 25 Jun 2030}) is read as directives, not
 * as a token, so such a value still opts out.
 *
 * @param directives     the directives that refuse an image, lower case; img2dataset's set by default
 * @param userAgentToken the token a header may name to address sieve (lower case)
 * @param ignored        {@code --ignore-opt-out}: the image is fetched anyway, and its scored record says what the site
 *                       asked ({@link Fetched#optOut()})
 */
public record OptOut(Set<String> directives, String userAgentToken, boolean ignored) {

    /** img2dataset's default {@code disallowed_header_directives}. */
    public static final Set<String> IMG2DATASET_DIRECTIVES = Set.of("noai", "noimageai", "noindex", "noimageindex");
    public static final String HEADER = "X-Robots-Tag";
    /** Header values read, and characters of each: a server cannot make the check cost more than this. */
    static final int MAX_VALUES = 32;
    static final int MAX_VALUE_CHARS = 1024;

    public OptOut {
        directives = directives.stream().map(d -> d.strip().toLowerCase(Locale.ROOT)).filter(d -> !d.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        userAgentToken = userAgentToken.strip().toLowerCase(Locale.ROOT);
        if (userAgentToken.isEmpty() || userAgentToken.contains(":")) {
            throw new IllegalArgumentException("Invalid option for userAgentToken: '" + userAgentToken
                    + "' (a robot's name without ':')");
        }
    }

    /** img2dataset's directives, token {@code sieve}, honoured. */
    public static OptOut defaults() {
        return new OptOut(IMG2DATASET_DIRECTIVES, "sieve", false);
    }

    public OptOut withIgnored(boolean ignored) {
        return new OptOut(directives, userAgentToken, ignored);
    }

    public OptOut withDirectives(Set<String> directives) {
        return new OptOut(directives, userAgentToken, ignored);
    }

    /** The first header value (as sent, cut to its bound) that opts this image out; empty when none does. */
    public Optional<String> find(List<String> headerValues) {
        if (directives.isEmpty()) return Optional.empty();
        return headerValues.stream().limit(MAX_VALUES)
                .map(v -> v.length() > MAX_VALUE_CHARS ? v.substring(0, MAX_VALUE_CHARS) : v)
                .filter(this::optsOut).findFirst();
    }

    private boolean optsOut(String value) {
        String text = value;
        int colon = text.indexOf(':');
        if (colon >= 0) {
            String prefix = text.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            boolean isToken = !prefix.isEmpty() && prefix.chars().noneMatch(c -> c == ',' || Character.isWhitespace(c));
            if (isToken && !directives.contains(prefix)) {
                if (!prefix.equals(userAgentToken)) return false;
                text = text.substring(colon + 1);
            }
        }
        for (String part : text.split(",")) {
            String directive = part.strip().toLowerCase(Locale.ROOT);
            int argument = directive.indexOf(':'); // unavailable_after: <date>, max-image-preview: large
            if (argument >= 0) directive = directive.substring(0, argument).strip();
            if (directives.contains(directive)) return true;
        }
        return false;
    }
}
