package dev.sieve.fetch;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Optional;

/**
 * Which addresses a fetch may connect to. References come from outside (scrapers, datasets), so by default a
 * host that resolves to the worker's own network is refused: loopback, private ranges, link-local (which holds
 * the cloud metadata service, 169.254.169.254), carrier-grade NAT, "any", multicast and reserved addresses, and
 * IPv6 forms that carry one of those IPv4 addresses inside (mapped, compatible, NAT64, 6to4).
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
            // 240.0.0.0/4 (reserved, 255.255.255.255 broadcast included): never a public host.
            if (first >= 240) return Optional.of("reserved (240.0.0.0/4)");
        } else if (a instanceof Inet6Address) {
            // Unique local fc00::/7: the IPv6 private range; InetAddress.isSiteLocalAddress does not know it.
            if ((b[0] & 0xfe) == 0xfc) return Optional.of("private (unique local fc00::/7)");
            // Forms that carry an IPv4 address inside: a gateway or the kernel turns them back into it, so they
            // are judged by that address. ::ffff:a.b.c.d (mapped; Java usually makes it an Inet4Address already),
            // ::a.b.c.d (compatible, deprecated), 64:ff9b::a.b.c.d (NAT64), 2002:aabb:ccdd:: (6to4).
            byte[] v4 = null;
            if (isIpv4Mapped(b) || zeros(b, 0, 12) || isNat64(b)) v4 = new byte[] {b[12], b[13], b[14], b[15]};
            if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) v4 = new byte[] {b[2], b[3], b[4], b[5]};
            if (v4 != null) {
                try {
                    Optional<String> inner = publicOnlyRefusal(InetAddress.getByAddress(v4));
                    return inner.map(why -> why + ", inside " + a.getHostAddress());
                } catch (java.net.UnknownHostException e) {
                    return Optional.of("malformed IPv6 address with IPv4 inside");
                }
            }
        }
        return Optional.empty();
    }

    /** 64:ff9b::/96, the well-known NAT64 prefix (RFC 6052). */
    private static boolean isNat64(byte[] b) {
        return b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b && zeros(b, 4, 12);
    }

    private static boolean zeros(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) return false;
        }
        return true;
    }

    private static boolean isIpv4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) return false;
        }
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }
}
