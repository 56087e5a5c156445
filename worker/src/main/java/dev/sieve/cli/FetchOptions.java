package dev.sieve.cli;

import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.OptOut;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import picocli.CommandLine.Option;

/** How images are fetched: the policy every URI on images.in goes through. */
public final class FetchOptions {
    @Option(names = "--file-root", paramLabel = "DIR",
            description = "Allow file: URIs, but only for files under DIR (symlinks resolved). Default: file: URIs refused.")
    Path fileRoot;

    @Option(names = "--allow-private-addresses",
            description = "Allow fetching from loopback, private and link-local addresses (refused by default: a URI "
                    + "on images.in must not reach the worker's own network).")
    boolean allowPrivate;

    @Option(names = "--max-bytes", paramLabel = "N", description = "Largest image accepted, in bytes. Default: 52428800 (50 MiB).")
    Long maxBytes;

    @Option(names = "--request-timeout-ms", paramLabel = "MS", description = "Timeout of one HTTP request. Default: 30000.")
    Long requestTimeoutMs;

    @Option(names = "--fetch-attempts", paramLabel = "N", description = "Attempts for transient fetch errors (timeouts, 5xx, 429). Default: 3.")
    Integer attempts;

    @Option(names = "--max-requests-per-host-per-second", paramLabel = "R", defaultValue = "0",
            description = "Politeness: request starts per second to one host (retries and redirects included); "
                    + "0 = no rate limit, only 16 requests in flight per host. Default: ${DEFAULT-VALUE}.")
    double perHostRate;

    @Option(names = "--ignore-opt-out",
            description = "Fetch and score images whose answer opts them out of AI use (X-Robots-Tag: noai, ...) "
                    + "anyway, for data you have the rights to; each such scored record names the header in opt_out. "
                    + "By default they end on images.failed as FETCH/OPTED_OUT, their body unread.")
    boolean ignoreOptOut;

    @Option(names = "--opt-out-directives", split = ",", paramLabel = "D[,D...]",
            description = "X-Robots-Tag directives that opt an image out, for every robot or one naming 'sieve'. "
                    + "Default: noai,noimageai,noindex,noimageindex (img2dataset's).")
    Set<String> optOutDirectives;

    FetchConfig config() {
        FetchConfig c = FetchConfig.defaults().withAllowPrivateAddresses(allowPrivate)
                .withMaxRequestsPerHostPerSecond(perHostRate);
        if (fileRoot != null) c = c.withFileRoot(fileRoot.toAbsolutePath());
        if (maxBytes != null) c = c.withMaxBytes(maxBytes);
        if (requestTimeoutMs != null) c = c.withTimeouts(c.connectTimeout(), Duration.ofMillis(requestTimeoutMs));
        if (attempts != null) c = c.withRetries(attempts, c.retryBackoff());
        OptOut optOut = c.optOut().withIgnored(ignoreOptOut);
        if (optOutDirectives != null) optOut = optOut.withDirectives(optOutDirectives);
        c = c.withOptOut(optOut);
        return c;
    }
}
