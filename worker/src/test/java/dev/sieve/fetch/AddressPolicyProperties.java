package dev.sieve.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The address guard over thousands of generated addresses, judged against the tests' own transcription of IANA's
 * special-purpose registries ({@link IanaRegistries}), not against the policy's table. Only decisions are tested: nothing is
 * resolved or connected to; every address is built from bytes or parsed from a literal.
 *
 * <p>Each run draws new addresses; a failure names its seed, and {@code -Dsieve.property.seed=N} replays it.
 *
 * <p>Why a seeded JUnit loop and not jqwik (which issue 5 asked for): jqwik's engine prints a notice telling AI
 * agents not to use it, and this project is written with AI agents, so we honour it. The loop gives the
 * essentials (many generated cases per run, a printed seed to replay a failure) but no shrinking: a failing case
 * is reported as drawn, not reduced to a smallest one.
 */
class AddressPolicyProperties {
    static final long SEED = Long.getLong("sieve.property.seed", System.nanoTime());
    static final int TRIES = 5_000;

    final AddressPolicy policy = AddressPolicy.publicOnly();
    final Random random = new Random(SEED);

    @Test
    void everyIpv4AddressIsRefusedExactlyWhenItLiesInAForbiddenBlock() throws Exception {
        for (int address : ipv4Samples()) {
            boolean forbidden = !registriesAllow(address);
            assertThat(policy.refusal(v4(address)).isPresent()).as("%s (seed %d)", v4(address).getHostAddress(), SEED)
                    .isEqualTo(forbidden);
        }
    }

    @Test
    void ipv6FormsCarryingAnIpv4AddressAreJudgedByIt() throws Exception {
        for (int address : ipv4Samples()) {
            boolean forbidden = !registriesAllow(address);
            byte[] a = v4(address).getAddress();
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(a, 0, mapped, 12, 4);
            byte[] nat64 = {0, 0x64, (byte) 0xff, (byte) 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, a[0], a[1], a[2], a[3]};
            byte[] sixToFour = {0x20, 0x02, a[0], a[1], a[2], a[3], 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
            for (byte[] form : List.of(mapped, nat64, sixToFour)) {
                // Inet6Address.getByAddress keeps the IPv6 form (InetAddress.getByAddress unwraps a mapped one).
                InetAddress v6 = Inet6Address.getByAddress(null, form, -1);
                assertThat(policy.refusal(v6).isPresent()).as("%s (seed %d)", v6.getHostAddress(), SEED)
                        .isEqualTo(forbidden);
            }
        }
    }

    @Test
    void literalSpellingsOfOneAddressGetOneDecision() throws Exception {
        for (int address : ipv4Samples()) {
            InetAddress a = v4(address);
            String dotted = a.getHostAddress();
            boolean refused = policy.refusal(a).isPresent();
            // Literals only: getByName parses them without any look-up.
            for (String literal : List.of(dotted, "::ffff:" + dotted, "[::ffff:" + dotted + "]")) {
                assertThat(policy.refusal(InetAddress.getByName(literal)).isPresent())
                        .as("%s (seed %d)", literal, SEED).isEqualTo(refused);
            }
        }
    }

    @Test
    void uniqueLocalLinkLocalAndMulticastIpv6AreRefused() throws Exception {
        for (int i = 0; i < TRIES; i++) {
            byte[] b = randomBytes(16);
            switch (i % 3) {
                case 0 -> b[0] = (byte) (0xfc | (b[0] & 1)); // fc00::/7
                case 1 -> { // fe80::/10
                    b[0] = (byte) 0xfe;
                    b[1] = (byte) (0x80 | (b[1] & 0x3f));
                }
                default -> b[0] = (byte) 0xff; // ff00::/8
            }
            InetAddress a = Inet6Address.getByAddress(null, b, -1);
            assertThat(policy.refusal(a)).as("%s (seed %d)", a.getHostAddress(), SEED).isPresent();
        }
    }

    @Test
    void globalUnicastIpv6IsDecidedAsTheRegistriesSay() throws Exception {
        for (int i = 0; i < TRIES; i++) {
            // 2000::/3, with its special-purpose blocks (2001::/23, 2001:db8::/32, 3fff::/20, 5f00::/16...) drawn
            // often enough to be hit: half the draws keep the first 16 bits of one of them.
            byte[] b = randomBytes(16);
            b[0] = (byte) (0x20 | (b[0] & 0x1f));
            if (random.nextBoolean()) {
                int[] specials = {0x2001, 0x2002, 0x3fff, 0x5f00};
                int first = specials[random.nextInt(specials.length)];
                b[0] = (byte) (first >>> 8);
                b[1] = (byte) first;
                if (random.nextBoolean()) b[2] = 0; // inside 2001::/23 rather than only 2001::/16
            }
            InetAddress a = Inet6Address.getByAddress(null, b, -1);
            assertThat(policy.refusal(a).isEmpty()).as("%s (seed %d)", a.getHostAddress(), SEED)
                    .isEqualTo(IanaRegistries.allowed(new BigInteger(1, b), 128));
        }
    }

    @Test
    void ipv6OutsideGlobalUnicastIsRefusedUnlessItCarriesAPublicIpv4Address() throws Exception {
        for (int i = 0; i < TRIES; i++) {
            byte[] b = randomBytes(16);
            if ((b[0] & 0xe0) == 0x20) b[0] ^= (byte) 0x80; // out of 2000::/3
            if (i % 4 == 0) Arrays.fill(b, 0, 10 + random.nextInt(3), (byte) 0); // near ::/96 and ::ffff:0:0/96
            InetAddress a = Inet6Address.getByAddress(null, b, -1);
            assertThat(policy.refusal(a).isEmpty()).as("%s (seed %d)", a.getHostAddress(), SEED)
                    .isEqualTo(IanaRegistries.allowed(new BigInteger(1, b), 128));
        }
    }

    /** Random addresses, random addresses inside each registry block, and the edges of every block. */
    private List<Integer> ipv4Samples() {
        List<Integer> samples = new ArrayList<>();
        for (IanaRegistries.Row r : IanaRegistries.ROWS) {
            if (r.bits() != 32) continue;
            int first = r.first().intValue();
            int last = r.last().intValue();
            samples.addAll(List.of(first, last, first - 1, last + 1));
            for (int i = 0; i < 200; i++) samples.add(first + (int) ((random.nextInt() & 0xffffffffL) % (last - first + 1L)));
        }
        for (int i = 0; i < TRIES; i++) samples.add(random.nextInt());
        return samples;
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static boolean registriesAllow(int address) {
        return IanaRegistries.allowed(BigInteger.valueOf(address & 0xffffffffL), 32);
    }

    private static InetAddress v4(int address) throws UnknownHostException {
        return InetAddress.getByAddress(new byte[] {(byte) (address >>> 24), (byte) (address >>> 16),
                (byte) (address >>> 8), (byte) address});
    }
}
