package dev.sieve.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real Kafka cluster of N KRaft nodes (each broker and controller, one quorum of N voters) inside the test JVM, on
 * loopback, with replicated internal topics (replication factor N, min ISR N-1): for failover tests, where a node
 * leading partitions or coordinating transactions goes down and comes back. {@link EmbeddedKafka} is the single node.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {

    private final Path dir;
    private final List<Properties> configs;
    private final List<KafkaRaftServer> servers;
    private final String bootstrap;

    private EmbeddedKafkaCluster(Path dir, List<Properties> configs, String bootstrap) {
        this.dir = dir;
        this.configs = configs;
        this.servers = new ArrayList<>(java.util.Collections.nCopies(configs.size(), null));
        this.bootstrap = bootstrap;
    }

    /** Formats and starts {@code nodes} nodes (node ids 1..nodes); returns when every one serves. */
    public static EmbeddedKafkaCluster start(int nodes) {
        if (nodes < 2) throw new IllegalArgumentException("a cluster needs at least 2 nodes; use EmbeddedKafka for one");
        try {
            Path dir = Files.createTempDirectory("sieve-kafka-cluster-");
            int[] brokerPorts = new int[nodes];
            int[] controllerPorts = new int[nodes];
            for (int i = 0; i < nodes; i++) {
                brokerPorts[i] = freePort();
                controllerPorts[i] = freePort();
            }
            StringBuilder voters = new StringBuilder();
            for (int i = 0; i < nodes; i++) {
                if (i > 0) voters.append(',');
                voters.append(i + 1).append("@127.0.0.1:").append(controllerPorts[i]);
            }
            String replicas = String.valueOf(nodes);
            String minIsr = String.valueOf(nodes - 1);
            String clusterId = Uuid.randomUuid().toString();
            List<Properties> configs = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                Properties p = new Properties();
                p.put("process.roles", "broker,controller");
                p.put("node.id", String.valueOf(i + 1));
                p.put("controller.quorum.voters", voters.toString());
                p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPorts[i] + ",CONTROLLER://127.0.0.1:" + controllerPorts[i]);
                p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPorts[i]);
                p.put("controller.listener.names", "CONTROLLER");
                p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
                p.put("inter.broker.listener.name", "PLAINTEXT");
                p.put("log.dirs", dir.resolve("node-" + (i + 1)).toString());
                p.put("default.replication.factor", replicas);
                p.put("min.insync.replicas", minIsr);
                p.put("offsets.topic.replication.factor", replicas);
                p.put("offsets.topic.num.partitions", "3");
                p.put("transaction.state.log.replication.factor", replicas);
                p.put("transaction.state.log.min.isr", minIsr);
                p.put("transaction.state.log.num.partitions", "3");
                p.put("share.coordinator.state.topic.replication.factor", replicas);
                p.put("share.coordinator.state.topic.min.isr", minIsr);
                p.put("group.initial.rebalance.delay.ms", "0");
                p.put("group.consumer.min.session.timeout.ms", "6000");
                p.put("group.consumer.min.heartbeat.interval.ms", "1000");
                p.put("group.share.min.record.lock.duration.ms", "1000");
                p.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
                Path cfg = dir.resolve("node-" + (i + 1) + ".properties");
                try (Writer w = Files.newBufferedWriter(cfg)) {
                    p.store(w, null);
                }
                ByteArrayOutputStream formatLog = new ByteArrayOutputStream();
                int rc = StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", cfg.toString()},
                        new PrintStream(formatLog, true, StandardCharsets.UTF_8));
                if (rc != 0) {
                    throw new IllegalStateException("formatting node " + (i + 1) + " failed: "
                            + formatLog.toString(StandardCharsets.UTF_8));
                }
                configs.add(p);
            }
            String bootstrap = Stream.of(brokerPorts).flatMapToInt(java.util.Arrays::stream)
                    .mapToObj(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
            EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(dir, configs, bootstrap);
            // In parallel: a node's start-up waits for the controller quorum, which needs the others.
            List<CompletableFuture<Void>> starts = new ArrayList<>();
            for (int i = 1; i <= nodes; i++) {
                int node = i;
                starts.add(CompletableFuture.runAsync(() -> cluster.restart(node)));
            }
            CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).join();
            return cluster;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** All brokers' addresses, comma-separated. */
    public String bootstrapServers() {
        return bootstrap;
    }

    public int size() {
        return configs.size();
    }

    /** Stops node {@code node} (1-based) as for a rolling restart: controlled shutdown, data kept, ports kept. */
    public void stop(int node) {
        KafkaRaftServer s;
        synchronized (servers) {
            s = servers.set(node - 1, null);
        }
        if (s == null) return;
        s.shutdown();
        s.awaitShutdown();
    }

    /** Starts node {@code node} (1-based) again with its own ports, id and data. */
    public void restart(int node) {
        synchronized (servers) {
            if (servers.get(node - 1) != null) throw new IllegalStateException("node " + node + " is running");
        }
        KafkaRaftServer s = new KafkaRaftServer(KafkaConfig.fromProps(configs.get(node - 1), false), Time.SYSTEM);
        s.startup();
        synchronized (servers) {
            servers.set(node - 1, s);
        }
    }

    @Override
    public void close() {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (int i = 1; i <= configs.size(); i++) {
            int node = i;
            stops.add(CompletableFuture.runAsync(() -> stop(node)));
        }
        CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
        EmbeddedKafka.deleteQuietly(dir);
    }

    private static int freePort() throws IOException {
        return EmbeddedKafka.freePort();
    }
}
