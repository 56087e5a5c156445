package dev.sieve.fetch;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Optional;

/**
 * Which addresses a fetch may connect to. References come from outside (scrapers, datasets), so by default a
 * host that resolves to the worker's own network is refused: loopback, private ranges, link-local (which holds
 * the cloud metadata service, 169.254.169.254), carrier-grade NAT, "any" and multicast addresses.
 */
@FunctionalInterface
interface AddressPolicy {

    /** Why {@code address} is refused, or empty when it is allowed. */
    Optional<String> refusal(InetAddress address);

    /** Allows everything; the fetcher then skips the look-up. */
    AddressPolicy ALLOW_ALL = address -> Optional.empty();

    static AddressPolicy publicOnly() {
        return AddressPolicy::publicOnlyRefusal;
    }

    private static Optional<String> publicOnlyRefusal(InetAddress a) {
        if (a.isLoopbackAddress()) return Optional.of("loopback");
        if (a.isAnyLocalAddress()) return Optional.of("unspecified (any-local)");
        if (a.isLinkLocalAddress()) return Optional.of("link-local (cloud metadata lives here)");
        if (a.isMulticastAddress()) return Optional.of("multicast");
        // Covers 10/8, 172.16/12, 192.168/16 and the deprecated IPv6 site-local fec0::/10.
        if (a.isSiteLocalAddress()) return Optional.of("private (site-local)");
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            if (first == 100 && (second & 0xc0) == 64) return Optional.of("carrier-grade NAT (100.64.0.0/10)");
            // 0.0.0.0/8 reaches the local host on Linux; 255.255.255.255 is broadcast.
            if (first == 0) return Optional.of("this-network (0.0.0.0/8)");
            if (first == 255 && second == 255 && (b[2] & 0xff) == 255 && (b[3] & 0xff) == 255) return Optional.of("broadcast");
        } else if (a instanceof Inet6Address) {
            // Unique local fc00::/7: the IPv6 private range; InetAddress.isSiteLocalAddress does not know it.
            if ((b[0] & 0xfe) == 0xfc) return Optional.of("private (unique local fc00::/7)");
            if (isIpv4Mapped(b)) {
                // Java usually turns ::ffff:a.b.c.d into an Inet4Address; check the embedded address if not.
                try {
                    InetAddress v4 = InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                    return publicOnlyRefusal(v4);
                } catch (java.net.UnknownHostException e) {
                    return Optional.of("malformed IPv4-mapped address");
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isIpv4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) return false;
        }
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }
}
