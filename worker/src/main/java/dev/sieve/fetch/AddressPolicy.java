package dev.sieve.fetch;

import dev.sieve.fetch.SpecialPurposeAddresses.Block;
import java.net.InetAddress;
import java.util.Optional;

/**
 * Which addresses a fetch may connect to. References come from outside (scrapers, datasets), so by default an
 * address that is not globally reachable is refused: every block of {@link SpecialPurposeAddresses} (loopback,
 * private ranges, link-local with the cloud metadata service 169.254.169.254, carrier-grade NAT, benchmarking,
 * documentation, multicast, reserved, Teredo, local-use NAT64, all IPv6 outside global unicast), and the IPv6 forms
 * that carry one of those IPv4 addresses inside (mapped, NAT64, 6to4) are judged by the address they carry.
 */
@FunctionalInterface
interface AddressPolicy {

    /** Why {@code address} is refused, or empty when it is allowed. */
    Optional<String> refusal(InetAddress address);

    /** Allows everything; the fetcher then skips the look-up. */
    AddressPolicy ALLOW_ALL = address -> Optional.empty();

    static AddressPolicy publicOnly() {
        return address -> publicOnlyRefusal(address.getAddress());
    }

    private static Optional<String> publicOnlyRefusal(byte[] address) {
        Optional<Block> block = SpecialPurposeAddresses.mostSpecific(address);
        if (block.isEmpty()) return Optional.empty();
        return switch (block.get().reach()) {
            case GLOBAL -> Optional.empty();
            case REFUSED -> Optional.of(block.get().describe());
            case EMBEDDED_IPV4 -> {
                // A gateway or the kernel turns these back into the IPv4 address inside: that address decides.
                InetAddress inner = SpecialPurposeAddresses.embeddedIpv4(address);
                yield publicOnlyRefusal(inner.getAddress()).map(why -> why + ", inside " + block.get().describe());
            }
        };
    }
}
