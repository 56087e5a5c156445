package dev.sieve.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;

/**
 * Fetchers for tests outside this package that need the real address policy while talking to a loopback server:
 * loopback is allowed, everything else is judged by {@link AddressPolicy#publicOnly()}, and host names resolve
 * through {@code names} only — a name not in the map is unknown, so nothing ever reaches the system's DNS.
 */
public final class GuardedTestFetchers {
    private GuardedTestFetchers() {}

    public static ImageFetcher loopbackAllowed(FetchConfig config, Map<String, String> names) {
        AddressPolicy publicOnly = AddressPolicy.publicOnly();
        AddressPolicy policy = address -> address.isLoopbackAddress() ? java.util.Optional.empty()
                : publicOnly.refusal(address);
        HostResolver resolver = host -> {
            if (host.equals("127.0.0.1") || host.equals("::1")) return new InetAddress[] {InetAddress.getByName(host)};
            String address = names.get(host);
            if (address == null) throw new UnknownHostException(host + " (not in the test resolver)");
            return new InetAddress[] {InetAddress.getByName(address)}; // a literal: no look-up
        };
        FetchConfig guarded = new FetchConfig(config.maxInFlight(), config.maxInFlightPerHost(), config.connectTimeout(),
                config.requestTimeout(), config.maxBytes(), config.maxRedirects(), config.maxAttempts(), config.retryBackoff(),
                config.fileRoot(), false, config.maxRequestsPerHostPerSecond(), config.optOut());
        return new ImageFetcher(guarded, policy, resolver);
    }
}
