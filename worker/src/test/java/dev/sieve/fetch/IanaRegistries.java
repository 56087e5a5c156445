package dev.sieve.fetch;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The tests' own transcription of IANA's IPv4 and IPv6 Special-Purpose Address Registries (column "Globally
 * Reachable"; N/A counts as not reachable), written out separately from {@link SpecialPurposeAddresses} and matched
 * with {@link BigInteger} arithmetic instead of its bit loop, so a typo in either table or a slip in either matcher
 * shows up as a disagreement. "inner" marks the forms judged by the IPv4 address they carry.
 */
final class IanaRegistries {
    private IanaRegistries() {}

    enum Verdict { REFUSED, ALLOWED, INNER }

    record Row(BigInteger first, BigInteger last, int bits, int length, Verdict verdict, String prefix) {
        boolean contains(BigInteger a, int addressBits) {
            return addressBits == bits && a.compareTo(first) >= 0 && a.compareTo(last) <= 0;
        }
    }

    // Prefix, globally reachable, name (for the reader only).
    private static final String TABLE = """
            0.0.0.0/8           false  This network
            0.0.0.0/32          false  This host on this network
            10.0.0.0/8          false  Private-Use
            100.64.0.0/10       false  Shared Address Space
            127.0.0.0/8         false  Loopback
            169.254.0.0/16      false  Link Local
            172.16.0.0/12       false  Private-Use
            192.0.0.0/24        false  IETF Protocol Assignments
            192.0.0.0/29        false  IPv4 Service Continuity Prefix
            192.0.0.8/32        false  IPv4 dummy address
            192.0.0.9/32        true   Port Control Protocol Anycast
            192.0.0.10/32       true   Traversal Using Relays around NAT Anycast
            192.0.0.170/32      false  NAT64/DNS64 Discovery
            192.0.0.171/32      false  NAT64/DNS64 Discovery
            192.0.2.0/24        false  Documentation (TEST-NET-1)
            192.31.196.0/24     true   AS112-v4
            192.52.193.0/24     true   AMT
            192.88.99.0/24      false  Deprecated (6to4 Relay Anycast)
            192.168.0.0/16      false  Private-Use
            192.175.48.0/24     true   Direct Delegation AS112 Service
            198.18.0.0/15       false  Benchmarking
            198.51.100.0/24     false  Documentation (TEST-NET-2)
            203.0.113.0/24      false  Documentation (TEST-NET-3)
            224.0.0.0/4         false  Multicast (its own registry, RFC 5771)
            240.0.0.0/4         false  Reserved
            255.255.255.255/32  false  Limited Broadcast
            ::/0                false  not global unicast (sieve's default for IPv6)
            2000::/3            true   Global Unicast (IPv6 Address Space registry)
            ::1/128             false  Loopback Address
            ::/128              false  Unspecified Address
            ::/96               false  IPv4-compatible (deprecated, RFC 4291)
            ::ffff:0:0/96       inner  IPv4-mapped Address
            ::ffff:0:0:0/96     false  IPv4-translated (RFC 2765)
            64:ff9b::/96        inner  IPv4-IPv6 Translat.
            64:ff9b:1::/48      false  IPv4-IPv6 Translat. (local use)
            100::/64            false  Discard-Only Address Block
            100:0:0:1::/64      false  Dummy IPv6 Prefix
            2001::/23           false  IETF Protocol Assignments
            2001::/32           false  TEREDO
            2001:1::1/128       true   Port Control Protocol Anycast
            2001:1::2/128       true   Traversal Using Relays around NAT Anycast
            2001:1::3/128       true   DNS-SD Service Registration Protocol Anycast
            2001:2::/48         false  Benchmarking
            2001:3::/32         true   AMT
            2001:4:112::/48     true   AS112-v6
            2001:10::/28        false  Deprecated (previously ORCHID)
            2001:20::/28        true   ORCHIDv2
            2001:30::/28        true   Drone Remote ID Protocol Entity Tags (DETs) Prefix
            2001:db8::/32       false  Documentation
            2002::/16           inner  6to4
            2620:4f:8000::/48   true   Direct Delegation AS112 Service
            3fff::/20           false  Documentation
            5f00::/16           false  Segment Routing (SRv6) SIDs
            fc00::/7            false  Unique-Local
            fe80::/10           false  Link-Local Unicast
            fec0::/10           false  Site-local (deprecated, RFC 3879)
            ff00::/8            false  Multicast (RFC 4291)
            """;

    static final List<Row> ROWS = TABLE.lines().map(String::strip).filter(l -> !l.isEmpty()).map(l -> {
        String[] f = l.split("\\s+", 3);
        Verdict v = switch (f[1]) {
            case "true" -> Verdict.ALLOWED;
            case "false" -> Verdict.REFUSED;
            default -> Verdict.INNER;
        };
        return row(f[0], v);
    }).toList();

    static Row row(String prefix, Verdict verdict) {
        String literal = prefix.substring(0, prefix.indexOf('/'));
        int length = Integer.parseInt(prefix.substring(prefix.indexOf('/') + 1));
        int bits = literal.contains(":") ? 128 : 32;
        BigInteger base = value(literal, bits);
        BigInteger hostMask = BigInteger.ONE.shiftLeft(bits - length).subtract(BigInteger.ONE);
        BigInteger first = base.andNot(hostMask);
        return new Row(first, first.or(hostMask), bits, length, verdict, prefix);
    }

    /** Whether {@code address} (its value and 32 or 128 bits) may be fetched, by this transcription. */
    static boolean allowed(BigInteger address, int bits) {
        Optional<Row> row = ROWS.stream().filter(r -> r.contains(address, bits)).max(Comparator.comparingInt(Row::length));
        if (row.isEmpty()) return true;
        return switch (row.get().verdict()) {
            case ALLOWED -> true;
            case REFUSED -> false;
            case INNER -> {
                // 6to4 carries it in bits 16..47, the others in the last 32 bits.
                boolean sixToFour = address.shiftRight(112).intValue() == 0x2002;
                BigInteger v4 = (sixToFour ? address.shiftRight(80) : address).and(BigInteger.valueOf(0xffffffffL));
                yield allowed(v4, 32);
            }
        };
    }

    /** The address's value, from a literal (no look-up); a mapped IPv6 literal keeps its 128 bits. */
    static BigInteger value(String literal, int bits) {
        try {
            byte[] raw = InetAddress.getByName(literal).getAddress();
            BigInteger v = new BigInteger(1, raw);
            // InetAddress turns ::ffff:a.b.c.d into the IPv4 address: put the mapped prefix back.
            return bits == 128 && raw.length == 4 ? v.or(BigInteger.valueOf(0xffffL).shiftLeft(32)) : v;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    static byte[] bytes(BigInteger value, int bits) {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[bits / 8];
        int n = Math.min(raw.length, out.length);
        System.arraycopy(raw, raw.length - n, out, out.length - n, n);
        return out;
    }
}
