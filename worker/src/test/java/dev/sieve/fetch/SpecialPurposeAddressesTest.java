package dev.sieve.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every block of the address table, and every row of the tests' own transcription of IANA's registries
 * ({@link IanaRegistries}), probed on both sides of both edges: its first and last address, and the addresses just
 * before and just after. The policy must agree with the transcription at each of them.
 */
class SpecialPurposeAddressesTest {
    private final AddressPolicy policy = AddressPolicy.publicOnly();

    @Test
    void everyTableBlockIsDecidedAsTheRegistriesSayOnBothSidesOfBothEdges() throws Exception {
        List<String> disagreements = new ArrayList<>();
        for (SpecialPurposeAddresses.Block block : SpecialPurposeAddresses.BLOCKS) {
            probeEdges(IanaRegistries.row(block.prefix(), IanaRegistries.Verdict.REFUSED), disagreements);
        }
        assertThat(disagreements).isEmpty();
    }

    @Test
    void everyRegistryRowIsDecidedAsTheRegistriesSayOnBothSidesOfBothEdges() throws Exception {
        List<String> disagreements = new ArrayList<>();
        for (IanaRegistries.Row row : IanaRegistries.ROWS) probeEdges(row, disagreements);
        assertThat(disagreements).isEmpty();
    }

    @Test
    void theTableListsEveryRegistryRowThatChangesADecision() {
        List<String> table = SpecialPurposeAddresses.BLOCKS.stream().map(SpecialPurposeAddresses.Block::prefix).toList();
        // Globally reachable blocks outside any refused one need no row of their own.
        List<String> needed = IanaRegistries.ROWS.stream()
                .filter(r -> r.verdict() != IanaRegistries.Verdict.ALLOWED || enclosedByARefusedRow(r))
                .map(IanaRegistries.Row::prefix)
                .toList();
        assertThat(table).containsAll(needed);
    }

    @Test
    void aRefusalNamesTheBlockAndItsRfc() throws Exception {
        assertThat(policy.refusal(InetAddress.getByName("198.18.0.1"))).hasValue("benchmarking (198.18.0.0/15, RFC 2544)");
        assertThat(policy.refusal(InetAddress.getByName("64:ff9b::a00:1"))).get().asString()
                .contains("private-use (10.0.0.0/8, RFC 1918)", "inside NAT64 well-known prefix");
    }

    private static boolean enclosedByARefusedRow(IanaRegistries.Row row) {
        return IanaRegistries.ROWS.stream().anyMatch(r -> r != row && r.verdict() == IanaRegistries.Verdict.REFUSED
                && r.length() > 0 && r.length() < row.length() && r.contains(row.first(), row.bits()));
    }

    private void probeEdges(IanaRegistries.Row row, List<String> disagreements) throws Exception {
        BigInteger max = BigInteger.ONE.shiftLeft(row.bits()).subtract(BigInteger.ONE);
        for (BigInteger a : List.of(row.first(), row.last(), row.first().subtract(BigInteger.ONE),
                row.last().add(BigInteger.ONE))) {
            if (a.signum() < 0 || a.compareTo(max) > 0) continue; // ::/0 has no outside
            byte[] bytes = IanaRegistries.bytes(a, row.bits());
            // Inet6Address.getByAddress keeps a mapped address IPv6 (InetAddress.getByAddress would unwrap it).
            InetAddress address = row.bits() == 32 ? InetAddress.getByAddress(bytes) : Inet6Address.getByAddress(null, bytes, -1);
            boolean expected = IanaRegistries.allowed(a, row.bits());
            boolean allowed = policy.refusal(address).isEmpty();
            if (allowed != expected) {
                disagreements.add(address.getHostAddress() + " (edge of " + row.prefix() + "): expected "
                        + (expected ? "allowed" : "refused") + ", policy says " + policy.refusal(address));
            }
        }
    }
}
