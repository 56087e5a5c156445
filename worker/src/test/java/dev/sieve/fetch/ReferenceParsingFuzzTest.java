package dev.sieve.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.Stage;
import dev.sieve.fuzz.SeededFuzzing;
import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Fuzz target: a reference's URI through the fetcher's checks ({@link ImageFetcher#parse},
 * {@link HttpSource#requireHost}, the legacy IPv4 refusal) and raw address bytes through the address policy. No
 * name is ever resolved and nothing is connected to: only literals are parsed. The properties:
 * <ul>
 *   <li>a URI is accepted or refused as a FETCH BAD_REFERENCE, nothing else escapes;
 *   <li>an accepted http(s) host that browsers read as an IPv4 address is in canonical form, and Java reads it as the
 *       same address (no reference means one address to its author and another to the fetcher);
 *   <li>the policy decides every 4- and 16-byte address as the tests' own transcription of IANA's registries
 *       ({@link IanaRegistries}) does: a differential check of the table and its matcher.
 * </ul>
 * {@code mvn verify} runs 20,000 seeded mutations; {@code scripts/bench fuzz} runs {@link #fuzzerTestOneInput} under
 * Jazzer.
 */
public class ReferenceParsingFuzzTest {
    private static final AddressPolicy POLICY = AddressPolicy.publicOnly();
    public static final SeededFuzzing.Limits LIMITS = new SeededFuzzing.Limits(2048, Duration.ofSeconds(10), n -> (1 << 20) + 64L * n);

    /** Jazzer runs this once before fuzzing: classes load (and are instrumented) here, not in the first timed input. */
    public static void fuzzerInitialize() {
        seeds().forEach(ReferenceParsingFuzzTest::check);
    }

    /** Jazzer's entry point. */
    public static void fuzzerTestOneInput(byte[] input) {
        check(input);
    }

    public static List<byte[]> seeds() {
        return List.of("http://images.example/a.png", "https://[::ffff:127.0.0.1]:8443/x", "http://0177.0.0.1/",
                "http://0x7f.1/", "http://2130706433/", "http://127.0.0.1./", "file:///etc/passwd", "HTTP://EXAMPLE.COM",
                "http://user:pass@169.254.169.254/latest/meta-data", "http://[fe80::1%25eth0]/", "http://[64:ff9b::a00:1]/",
                "http://[2001:db8::1]/", "data:image/png;base64,AAAA", "http://%31%32%37.0.0.1/", "http://1.2.3.04/",
                "https://xn--nxasmq6b.example/é.jpg?q=1#f", "gopher://x/", " http://198.18.0.1/ ", "http://[::]/",
                "http://255.255.255.255:65535/",
                "https://[::ffff:0630000000000000000000000000.0.0.1]:843/x" /* Jazzer: URI threw NumberFormatException */).stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    }

    public static String check(byte[] input) {
        String addresses = checkAddressBytes(input);
        String uri = new String(input, StandardCharsets.UTF_8);
        try {
            URI parsed = ImageFetcher.parse(uri);
            String scheme = parsed.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) return addresses + "|scheme";
            URI target = HttpSource.requireHost(parsed);
            return addresses + "|accepted:" + checkAcceptedHost(target.getHost());
        } catch (StageException e) {
            if (e.stage() != Stage.FETCH || e.code() != FailureCode.BAD_REFERENCE) {
                throw new AssertionError("not a BAD_REFERENCE: " + e, e);
            }
            return addresses + "|" + SeededFuzzing.signature(e);
        }
    }

    private static String checkAcceptedHost(String host) {
        Optional<Long> browsersRead = LegacyIpv4Literal.inetAton(host);
        if (browsersRead.isPresent()) {
            // Canonical a.b.c.d only (checked by the fetcher): a literal to Java too, so this parses without a look-up.
            if (!host.matches("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}")) {
                throw new AssertionError("accepted a legacy IPv4 spelling: " + host);
            }
            long javaReads = new BigInteger(1, literal(host).getAddress()).longValueExact();
            if (javaReads != browsersRead.get()) {
                throw new AssertionError(host + ": Java reads " + javaReads + ", browsers " + browsersRead.get());
            }
            return "ipv4";
        }
        if (host.startsWith("[")) {
            try {
                // Bracketed: an IPv6 literal (java.net.URI checked its syntax), parsed without a look-up.
                POLICY.refusal(InetAddress.getByName(host.substring(1, host.length() - 1)));
                return "ipv6";
            } catch (UnknownHostException e) {
                return "ipv6-unparsed";
            }
        }
        return "name";
    }

    /** The first 4 and 16 bytes of the input, as addresses: the policy agrees with the registries' transcription. */
    private static String checkAddressBytes(byte[] input) {
        StringBuilder out = new StringBuilder();
        try {
            if (input.length >= 4) {
                byte[] v4 = Arrays.copyOf(input, 4);
                out.append(agree(InetAddress.getByAddress(v4), new BigInteger(1, v4), 32));
            }
            if (input.length >= 16) {
                byte[] v6 = Arrays.copyOf(input, 16);
                out.append(agree(Inet6Address.getByAddress(null, v6, -1), new BigInteger(1, v6), 128));
            }
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes are always an address", e);
        }
        return out.toString();
    }

    private static String agree(InetAddress address, BigInteger value, int bits) {
        boolean allowed = POLICY.refusal(address).isEmpty();
        if (allowed != IanaRegistries.allowed(value, bits)) {
            throw new AssertionError(address.getHostAddress() + ": the policy says " + POLICY.refusal(address)
                    + ", the registries " + (allowed ? "refused" : "allowed"));
        }
        return allowed ? "+" : "-";
    }

    private static InetAddress literal(String host) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new AssertionError("a canonical IPv4 literal did not parse: " + host, e);
        }
    }

    @Test
    void mutatedReferencesAreAcceptedOrRefusedAsBadReferences() {
        SeededFuzzing.Report report = SeededFuzzing.run("reference", seeds(), ReferenceParsingFuzzTest::check, LIMITS, 13, 20_000);
        System.out.println(report);
        assertThat(report.outcomes()).isGreaterThan(10);
    }
}
