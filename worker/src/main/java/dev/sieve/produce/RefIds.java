package dev.sieve.produce;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stable image ids derived from URIs, so that the same image referenced twice (two runs, two spellings of its
 * URI) gets the same id, which downstream de-duplication relies on.
 *
 * <p>The id is the first 16 bytes of the SHA-256 of the URI's canonical form (UTF-8), as 32 lower-case hex
 * digits. The canonical form:
 * <ul>
 *   <li>{@code file} URIs: {@code file://} followed by the absolute path with {@code .} and {@code ..}
 *       removed, percent-encoded as ASCII (UTF-8 for other characters): {@code file:/a/./b.jpg},
 *       {@code file:///a/b.jpg} and {@code file:///a/x/../b.jpg} are all {@code file:///a/b.jpg}.</li>
 *   <li>URIs with a host ({@code http}, {@code https}, ...): scheme and host in lower case, the default port
 *       (80 for http, 443 for https) removed, an empty path made {@code /}, dot segments removed,
 *       percent escapes in upper case, the fragment dropped (a server never sees it); user info, path case
 *       and query are kept as they are: {@code HTTP://Example.COM:80/a/../b.jpg#x} is
 *       {@code http://example.com/b.jpg}.</li>
 *   <li>{@code tar} URIs ({@code tar:<file URI>#<member>}): {@code tar:}, the canonical form of the tar file's URI,
 *       {@code #} and the member name as given (its fragment is the image, so it is kept).</li>
 *   <li>Anything else: scheme in lower case, the rest as given, fragment dropped.</li>
 * </ul>
 * Changing any of this changes every id: it is part of the data contract (see docs/records.md).
 */
public final class RefIds {

    private static final Pattern PERCENT_ESCAPE = Pattern.compile("%[0-9a-fA-F]{2}");

    private RefIds() {}

    /**
     * The id of the image at {@code uri}.
     *
     * @throws IllegalArgumentException when {@code uri} is not an absolute URI (no scheme, bad syntax)
     */
    public static String fromUri(String uri) {
        byte[] digest = sha256(canonical(uri).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, 16);
    }

    /** The canonical form the id is derived from (see the class description). */
    public static String canonical(String uri) {
        if (uri == null || uri.isBlank()) throw new IllegalArgumentException("empty URI");
        URI u;
        try {
            u = new URI(uri.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid URI: " + e.getMessage(), e);
        }
        if (u.getScheme() == null) {
            throw new IllegalArgumentException("not an absolute URI (no scheme): " + uri);
        }
        String scheme = u.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("file")) return canonicalFile(u);
        if (scheme.equals("tar") && u.isOpaque() && u.getRawFragment() != null) {
            // The member is the image: unlike a web fragment it is kept.
            return "tar:" + canonical(u.getRawSchemeSpecificPart()) + "#" + u.getRawFragment();
        }
        if (u.isOpaque() || u.getRawAuthority() == null) return scheme + ":" + u.getRawSchemeSpecificPart();
        return canonicalHierarchical(scheme, u.normalize());
    }

    private static String canonicalFile(URI u) {
        if (u.getPath() == null || u.getPath().isEmpty()) {
            throw new IllegalArgumentException("not a usable file URI (no absolute path): " + u);
        }
        String authority = u.getRawAuthority();
        if (authority != null && !authority.isEmpty() && !authority.equalsIgnoreCase("localhost")) {
            throw new IllegalArgumentException("not a usable file URI (remote host '" + authority + "'): " + u);
        }
        Path path;
        try {
            path = Path.of(new URI("file", null, u.getPath(), null, null)).normalize();
        } catch (URISyntaxException | IllegalArgumentException | FileSystemNotFoundException e) {
            throw new IllegalArgumentException("not a usable file URI: " + u + " (" + e.getMessage() + ")", e);
        }
        try {
            return "file://" + new URI(null, null, path.toString(), null).toASCIIString();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a usable file path: " + path, e);
        }
    }

    private static String canonicalHierarchical(String scheme, URI u) {
        StringBuilder s = new StringBuilder(scheme).append("://");
        if (u.getRawUserInfo() != null) s.append(u.getRawUserInfo()).append('@');
        if (u.getHost() != null) {
            s.append(u.getHost().toLowerCase(Locale.ROOT));
            int port = u.getPort();
            boolean defaultPort = (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
            if (port >= 0 && !defaultPort) s.append(':').append(port);
        } else {
            // A registry-based authority (e.g. a host name with an underscore): keep it, in lower case.
            s.append(u.getRawAuthority().toLowerCase(Locale.ROOT));
        }
        String path = u.getRawPath();
        s.append(path == null || path.isEmpty() ? "/" : upperCaseEscapes(path));
        if (u.getRawQuery() != null) s.append('?').append(upperCaseEscapes(u.getRawQuery()));
        return s.toString();
    }

    private static String upperCaseEscapes(String s) {
        Matcher m = PERCENT_ESCAPE.matcher(s);
        return m.replaceAll(r -> r.group().toUpperCase(Locale.ROOT));
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
