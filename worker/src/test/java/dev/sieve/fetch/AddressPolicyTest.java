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
        "::ffff:10.0.0.1", "::ffff:169.254.169.254"                // IPv4-mapped
    })
    void refusesInternalAddresses(String literal) throws UnknownHostException {
        assertThat(policy.refusal(InetAddress.getByName(literal))).as(literal).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "169.255.0.1", "2606:4700::1111", "2001:4860::8888"})
    void allowsPublicAddresses(String literal) throws UnknownHostException {
        assertThat(policy.refusal(InetAddress.getByName(literal))).as(literal).isEmpty();
    }
}
