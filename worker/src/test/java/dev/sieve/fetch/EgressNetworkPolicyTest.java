package dev.sieve.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * ops/base/networkpolicy.yaml is the network-level twin of {@link AddressPolicy}: the workers' egress allows the
 * public web and denies the ranges the guard refuses. Both lists are checked against each other here, so neither
 * can gain or lose a range alone.
 */
@SuppressWarnings("unchecked")
class EgressNetworkPolicyTest {
    private static final Path POLICY = Path.of(System.getProperty("sieve.repo", "..")).toAbsolutePath().normalize()
            .resolve("ops/base/networkpolicy.yaml");

    /** One ipBlock: a CIDR and the CIDRs cut out of it. */
    record Block(Cidr cidr, List<Cidr> except) {
        boolean allows(InetAddress a) {
            return cidr.contains(a) && except.stream().noneMatch(e -> e.contains(a));
        }
    }

    record Cidr(InetAddress network, int bits) {
        static Cidr parse(String s) throws IOException {
            String[] p = s.split("/");
            return new Cidr(InetAddress.getByName(p[0]), Integer.parseInt(p[1]));
        }

        boolean contains(InetAddress a) {
            byte[] n = network.getAddress();
            byte[] b = a.getAddress();
            if (n.length != b.length) return false;
            int width = n.length * 8;
            BigInteger mask = BigInteger.ONE.shiftLeft(width).subtract(BigInteger.ONE).shiftRight(bits).not();
            return new BigInteger(1, n).and(mask).equals(new BigInteger(1, b).and(mask));
        }

        InetAddress first() {
            return network;
        }

        InetAddress last() throws IOException {
            byte[] n = network.getAddress();
            BigInteger hostBits = BigInteger.ONE.shiftLeft(n.length * 8 - bits).subtract(BigInteger.ONE);
            byte[] raw = new BigInteger(1, n).or(hostBits).toByteArray();
            byte[] out = new byte[n.length];
            System.arraycopy(raw, Math.max(0, raw.length - n.length), out, Math.max(0, n.length - raw.length), Math.min(n.length, raw.length));
            return InetAddress.getByAddress(out);
        }
    }

    static List<Block> workerWebBlocks() throws IOException {
        List<Block> blocks = new ArrayList<>();
        for (Object o : new Yaml().loadAll(Files.readString(POLICY))) {
            Map<String, Object> doc = (Map<String, Object>) o;
            Map<String, Object> spec = (Map<String, Object>) doc.get("spec");
            Map<String, Object> selector = (Map<String, Object>) ((Map<String, Object>) spec.get("podSelector")).get("matchLabels");
            if (selector == null || !"sieve-worker".equals(selector.get("app.kubernetes.io/name"))) continue;
            for (Map<String, Object> rule : (List<Map<String, Object>>) spec.get("egress")) {
                for (Map<String, Object> to : (List<Map<String, Object>>) rule.get("to")) {
                    Map<String, Object> ip = (Map<String, Object>) to.get("ipBlock");
                    if (ip == null) continue;
                    List<Cidr> except = new ArrayList<>();
                    for (String e : (List<String>) ip.getOrDefault("except", List.of())) except.add(Cidr.parse(e));
                    blocks.add(new Block(Cidr.parse((String) ip.get("cidr")), except));
                }
            }
        }
        return blocks;
    }

    static boolean allowed(List<Block> blocks, String address) throws IOException {
        InetAddress a = InetAddress.getByName(address);
        return blocks.stream().anyMatch(b -> b.allows(a));
    }

    @Test
    void workersReachThePublicWebOverIpv4AndIpv6() throws IOException {
        List<Block> blocks = workerWebBlocks();
        for (String publicAddress : List.of("1.1.1.1", "8.8.8.8", "93.184.216.34", "151.101.1.69", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e")) {
            assertThat(AddressPolicy.publicOnly().refusal(InetAddress.getByName(publicAddress))).as(publicAddress).isEmpty();
            assertThat(allowed(blocks, publicAddress)).as(publicAddress).isTrue();
        }
    }

    @Test
    void everyRangeTheAddressGuardRefusesIsDeniedAtTheNetworkToo() throws IOException {
        List<Block> blocks = workerWebBlocks();
        List<String> refused = List.of("10.0.0.1", "10.255.255.254", "172.16.0.1", "172.31.255.254", "192.168.1.1",
                "100.64.0.1", "100.127.255.254", "127.0.0.1", "169.254.169.254", "0.1.2.3", "224.0.0.251", "239.1.1.1",
                "240.0.0.1", "255.255.255.255", "::1", "::", "fd00::1", "fc00::1", "fe80::1", "fec0::1", "ff02::1",
                "::ffff:10.0.0.1", "::ffff:169.254.169.254");
        for (String address : refused) {
            assertThat(AddressPolicy.publicOnly().refusal(InetAddress.getByAddress(InetAddress.getByName(address).getAddress())))
                    .as("the guard refuses %s", address).isPresent();
            assertThat(allowed(blocks, address)).as("the network policy denies %s", address).isFalse();
        }
    }

    @Test
    void theNetworkPolicyDeniesNothingTheGuardWouldLetThrough() throws IOException {
        // Both ends of every cut-out range are refused by the guard: the policy is not stricter than the app (a
        // public range denied here would fail images the guard accepts, with a timeout instead of a coded refusal).
        for (Block b : workerWebBlocks()) {
            for (Cidr e : b.except()) {
                for (InetAddress end : List.of(e.first(), e.last())) {
                    InetAddress judged = InetAddress.getByAddress(end.getAddress());
                    assertThat(AddressPolicy.publicOnly().refusal(judged)).as("%s/%d: %s", e.network().getHostAddress(), e.bits(), judged).isPresent();
                }
            }
        }
    }
}
