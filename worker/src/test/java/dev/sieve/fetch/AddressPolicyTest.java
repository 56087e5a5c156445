package dev.sieve.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressPolicyTest {

    private final AddressPolicy policy = AddressPolicy.publicOnly();

    @ParameterizedTest
    @ValueSource(strings = {
        "127.0.0.1", "127.1.2.3", "::1",                           // loopback
        "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", // RFC 1918
        "169.254.169.254", "169.254.0.1", "fe80::1",               // link-local, cloud metadata
        "100.64.0.1", "100.127.255.254",                           // carrier-grade NAT
        "fc00::1", "fd12:3456::1",                                 // unique local
        "0.0.0.0", "::", "0.1.2.3",                                // any / this network
        "224.0.0.1", "ff02::1", "255.255.255.255",                 // multicast, broadcast
        "::ffff:10.0.0.1", "::ffff:169.254.169.254",               // IPv4-mapped
        // Issue 13, item 10: not globally reachable by IANA's special-purpose registries, allowed before.
        "::ffff:0:10.0.0.1", "::ffff:0:8.8.8.8",                   // IPv4-translated (SIIT)
        "64:ff9b:1::a00:1", "64:ff9b:1::808:808",                  // local-use NAT64
        "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::1",         // Teredo
        "198.18.0.1", "198.19.255.255",                            // benchmarking
        "192.0.0.1", "192.0.0.8", "192.0.0.170",                   // IETF protocol assignments
        "192.0.2.1", "198.51.100.7", "203.0.113.255",              // documentation (IPv4)
        "2001:db8::1", "3fff::1",                                  // documentation (IPv6)
        "192.88.99.1", "100::1", "2001:2::1", "5f00::1", "::8.8.8.8" // 6to4 relay, discard, benchmarking, SRv6, compatible
    })
    void refusesInternalAddresses(String literal) throws UnknownHostException {
        assertThat(policy.refusal(InetAddress.getByName(literal))).as(literal).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "169.255.0.1", "2606:4700::1111", "2001:4860::8888",
        "198.17.255.255", "198.20.0.0", "192.0.0.9", "192.0.1.0", "192.31.196.1",  // edges of refused IPv4 blocks
        "64:ff9b::808:808", "2002:808:808::1", "2001:4:112::1", "2001:200::1"})      // NAT64 and 6to4 of a public address
    void allowsPublicAddresses(String literal) throws UnknownHostException {
        assertThat(policy.refusal(InetAddress.getByName(literal))).as(literal).isEmpty();
    }
}
