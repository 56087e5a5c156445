package dev.sieve.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The IPv4 spellings browsers and inet_aton read differently from Java: refused, naming what they read. */
class LegacyIpv4LiteralTest {

    @ParameterizedTest
    @CsvSource({
        "0177.0.0.1, 127.0.0.1",      // octal: Java reads 177.0.0.1
        "0x7f.0.0.1, 127.0.0.1",      // hex
        "0x7f.1, 127.0.0.1",          // hex, short
        "127.1, 127.0.0.1",           // short: the last part fills three bytes
        "10.1.2, 10.1.0.2",           // short: the last part fills two bytes
        "2130706433, 127.0.0.1",      // one number
        "017700000001, 127.0.0.1",    // one octal number
        "0xA9FEA9FE, 169.254.169.254",
        "127.0.0.01, 127.0.0.1",      // a leading zero
        "0300.0250.0.1, 192.168.0.1",
        "1.2.3.4., 1.2.3.4",          // a trailing dot
        "0x, 0.0.0.0"
    })
    void refusesALegacySpellingNamingWhatInetAtonReads(String host, String reading) {
        assertThat(LegacyIpv4Literal.refusal(host)).get().asString().contains(host, "read " + reading);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3.256", "256.1", "foo.123", "1.2.3.4.5", "0x100000000", "4294967296", "+1.2.3.4",
        "08.1.2.3", "1.2.3.09", "a.0x"})
    void refusesWhatBrowsersRejectAsAnInvalidIpv4Address(String host) {
        assertThat(LegacyIpv4Literal.refusal(host)).get().asString().contains(host, "browsers reject it");
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "8.8.8.8", "0.0.0.0", "255.255.255.255", "example.com", "1.2.3.4a",
        "123.example", "0xg", "[::1]", "images.example.0a", "xn--80ak6aa92e.com"})
    void acceptsCanonicalAddressesAndNames(String host) {
        assertThat(LegacyIpv4Literal.refusal(host)).isEmpty();
    }
}
