package dev.sieve.fetch;

import static dev.sieve.fetch.SpecialPurposeAddresses.Reach.EMBEDDED_IPV4;
import static dev.sieve.fetch.SpecialPurposeAddresses.Reach.GLOBAL;
import static dev.sieve.fetch.SpecialPurposeAddresses.Reach.REFUSED;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The address blocks a fetch must not reach, as one table: IANA's IPv4 and IPv6 Special-Purpose Address Registries
 * (every block whose "Globally Reachable" is False or N/A), plus multicast and, for IPv6, everything outside the
 * global unicast space. The most specific block containing an address decides, so a globally reachable assignment
 * inside a refused block (192.0.0.9 inside 192.0.0.0/24) is listed as {@link Reach#GLOBAL}.
 *
 * <p>An address no block contains is public for IPv4. For IPv6 the table's first row refuses {@code ::/0} and its
 * second allows {@code 2000::/3}: IANA allocates no global unicast outside it, and what lies outside (the rest of
 * {@code ::/8}, {@code 100::/8}, the reserved blocks) is refused by default instead of being listed block by block.
 */
final class SpecialPurposeAddresses {

    /** What a block means for a fetch. */
    enum Reach {
        /** Not globally reachable: refused. */
        REFUSED,
        /** Globally reachable, although a less specific block is not. */
        GLOBAL,
        /** An IPv6 form a gateway or the kernel turns into the IPv4 address it carries: judged by that address. */
        EMBEDDED_IPV4
    }

    /** One row: {@code prefix} in CIDR notation, IANA's name for it, the RFC that defines it, what it means here. */
    record Block(String prefix, String name, String rfc, Reach reach, byte[] base, int length) {
        boolean contains(byte[] address) {
            if (base.length != address.length) return false;
            for (int bit = 0; bit < length; bit++) {
                int mask = 0x80 >>> (bit & 7);
                if ((base[bit >>> 3] & mask) != (address[bit >>> 3] & mask)) return false;
            }
            return true;
        }

        /** "loopback (127.0.0.0/8, RFC 1122)": how a refusal names the block. */
        String describe() {
            return name + " (" + prefix + ", " + rfc + ")";
        }
    }

    static final List<Block> BLOCKS = List.of(
            // IPv4 Special-Purpose Address Registry (RFC 6890), with multicast, which has its own registry.
            block("0.0.0.0/8", "this network", "RFC 791", REFUSED),
            block("0.0.0.0/32", "this host on this network", "RFC 1122", REFUSED),
            block("10.0.0.0/8", "private-use", "RFC 1918", REFUSED),
            block("100.64.0.0/10", "shared address space (carrier-grade NAT)", "RFC 6598", REFUSED),
            block("127.0.0.0/8", "loopback", "RFC 1122", REFUSED),
            block("169.254.0.0/16", "link-local (cloud metadata lives here)", "RFC 3927", REFUSED),
            block("172.16.0.0/12", "private-use", "RFC 1918", REFUSED),
            block("192.0.0.0/24", "IETF protocol assignments", "RFC 6890", REFUSED),
            block("192.0.0.0/29", "IPv4 service continuity prefix", "RFC 7335", REFUSED),
            block("192.0.0.8/32", "IPv4 dummy address", "RFC 7600", REFUSED),
            block("192.0.0.9/32", "port control protocol anycast", "RFC 7723", GLOBAL),
            block("192.0.0.10/32", "TURN anycast", "RFC 8155", GLOBAL),
            block("192.0.0.170/32", "NAT64/DNS64 discovery", "RFC 8880", REFUSED),
            block("192.0.0.171/32", "NAT64/DNS64 discovery", "RFC 8880", REFUSED),
            block("192.0.2.0/24", "documentation (TEST-NET-1)", "RFC 5737", REFUSED),
            block("192.88.99.0/24", "deprecated 6to4 relay anycast", "RFC 7526", REFUSED),
            block("192.168.0.0/16", "private-use", "RFC 1918", REFUSED),
            block("198.18.0.0/15", "benchmarking", "RFC 2544", REFUSED),
            block("198.51.100.0/24", "documentation (TEST-NET-2)", "RFC 5737", REFUSED),
            block("203.0.113.0/24", "documentation (TEST-NET-3)", "RFC 5737", REFUSED),
            block("224.0.0.0/4", "multicast", "RFC 5771", REFUSED),
            block("240.0.0.0/4", "reserved", "RFC 1112", REFUSED),
            block("255.255.255.255/32", "limited broadcast", "RFC 919", REFUSED),
            // IPv6: refused unless global unicast, then the IPv6 Special-Purpose Address Registry (RFC 6890).
            block("::/0", "not global unicast (outside 2000::/3)", "RFC 4291", REFUSED),
            block("2000::/3", "global unicast", "RFC 4291", GLOBAL),
            block("::/128", "unspecified", "RFC 4291", REFUSED),
            block("::1/128", "loopback", "RFC 4291", REFUSED),
            block("::/96", "IPv4-compatible (deprecated)", "RFC 4291", REFUSED),
            block("::ffff:0:0/96", "IPv4-mapped", "RFC 4291", EMBEDDED_IPV4),
            block("::ffff:0:0:0/96", "IPv4-translated (SIIT)", "RFC 2765", REFUSED),
            block("64:ff9b::/96", "NAT64 well-known prefix", "RFC 6052", EMBEDDED_IPV4),
            block("64:ff9b:1::/48", "local-use NAT64", "RFC 8215", REFUSED),
            block("100::/64", "discard-only", "RFC 6666", REFUSED),
            block("100:0:0:1::/64", "dummy IPv6 prefix", "RFC 9780", REFUSED),
            block("2001::/23", "IETF protocol assignments", "RFC 2928", REFUSED),
            block("2001::/32", "Teredo", "RFC 4380", REFUSED),
            block("2001:1::1/128", "port control protocol anycast", "RFC 7723", GLOBAL),
            block("2001:1::2/128", "TURN anycast", "RFC 8155", GLOBAL),
            block("2001:1::3/128", "DNS-SD service registration protocol anycast", "RFC 9665", GLOBAL),
            block("2001:2::/48", "benchmarking", "RFC 5180", REFUSED),
            block("2001:3::/32", "AMT", "RFC 7450", GLOBAL),
            block("2001:4:112::/48", "AS112-v6", "RFC 7535", GLOBAL),
            block("2001:10::/28", "deprecated ORCHID", "RFC 4843", REFUSED),
            block("2001:20::/28", "ORCHIDv2", "RFC 7343", GLOBAL),
            block("2001:30::/28", "drone remote ID entity tags", "RFC 9374", GLOBAL),
            block("2001:db8::/32", "documentation", "RFC 3849", REFUSED),
            block("2002::/16", "6to4", "RFC 3056", EMBEDDED_IPV4),
            block("3fff::/20", "documentation", "RFC 9637", REFUSED),
            block("5f00::/16", "segment routing (SRv6) SIDs", "RFC 9602", REFUSED),
            block("fc00::/7", "unique local", "RFC 4193", REFUSED),
            block("fe80::/10", "link-local", "RFC 4291", REFUSED),
            block("fec0::/10", "site-local (deprecated)", "RFC 3879", REFUSED),
            block("ff00::/8", "multicast", "RFC 4291", REFUSED));

    private SpecialPurposeAddresses() {}

    /** A row of the table; a typo in it fails when the class loads, not at the first fetch. */
    private static Block block(String prefix, String name, String rfc, Reach reach) {
        return new Block(prefix, name, rfc, reach, bits(prefix), Integer.parseInt(prefix.substring(prefix.indexOf('/') + 1)));
    }

    /** The most specific block that contains {@code address} (4 or 16 bytes), if any. */
    static Optional<Block> mostSpecific(byte[] address) {
        return BLOCKS.stream().filter(b -> b.contains(address)).max(Comparator.comparingInt(Block::length));
    }

    /**
     * The block's first address as 4 or 16 bytes. Parsed from a literal (no look-up); an IPv6 literal Java turns
     * into an IPv4 address (the mapped form {@code ::ffff:a.b.c.d}) is put back into its 16 bytes.
     */
    static byte[] bits(String prefix) {
        int slash = prefix.indexOf('/');
        if (slash < 0) throw new IllegalArgumentException("not a CIDR prefix: " + prefix);
        String literal = prefix.substring(0, slash);
        int length = Integer.parseInt(prefix.substring(slash + 1));
        boolean v6 = literal.indexOf(':') >= 0;
        if (!v6 && !literal.matches("\\d{1,3}(\\.\\d{1,3}){3}")) throw new IllegalArgumentException("not an address: " + prefix);
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(literal).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + prefix, e);
        }
        if (v6 && bytes.length == 4) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(bytes, 0, mapped, 12, 4);
            bytes = mapped;
        }
        if (length < 0 || length > bytes.length * 8) throw new IllegalArgumentException("bad prefix length: " + prefix);
        return bytes;
    }

    /** The IPv4 address an {@link Reach#EMBEDDED_IPV4} form carries. */
    static Inet4Address embeddedIpv4(byte[] v6) {
        // 6to4 (2002:aabb:ccdd::/48) carries it right after its 16-bit prefix; mapped and NAT64 in the last 32 bits.
        int at = (v6[0] & 0xff) == 0x20 && (v6[1] & 0xff) == 0x02 ? 2 : 12;
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {v6[at], v6[at + 1], v6[at + 2], v6[at + 3]});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an IPv4 address", e);
        }
    }
}
