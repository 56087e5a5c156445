package dev.sieve.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka (KRaft, broker and controller in one process) inside this JVM, on loopback:
 * for the demo, `sieve broker` and the tests. Not for production: one replica, data in a temp folder.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final Path dir;
    private final Properties config;
    private final String bootstrap;
    private KafkaRaftServer server;

    private EmbeddedKafka(Path dir, Properties config, String bootstrap) {
        this.dir = dir;
        this.config = config;
        this.bootstrap = bootstrap;
    }

    /** Starts a broker on a free loopback port (or {@code port} when > 0) and returns when it serves. */
    public static EmbeddedKafka start(int port) {
        try {
            Path dir = Files.createTempDirectory("sieve-kafka-");
            int brokerPort = port > 0 ? port : freePort();
            int controllerPort = freePort();
            Properties p = new Properties();
            p.put("process.roles", "broker,controller");
            p.put("node.id", "1");
            p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
            p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
            p.put("controller.listener.names", "CONTROLLER");
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("log.dirs", dir.resolve("data").toString());
            p.put("num.partitions", "1");
            // One node: every internal topic must live with one replica.
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "1");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("transaction.state.log.num.partitions", "1");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
            p.put("group.initial.rebalance.delay.ms", "0");
            // Lets a group (consumer protocol) set a shorter session than the 45 s default through its group config
            // (consumer.session.timeout.ms), so a killed worker's partitions move on sooner; defaults are unchanged.
            p.put("group.consumer.min.session.timeout.ms", "6000");
            p.put("group.consumer.min.heartbeat.interval.ms", "1000");
            // Likewise lets a share group shorten its record lock (share.record.lock.duration.ms, 30 s by default).
            p.put("group.share.min.record.lock.duration.ms", "1000");
            // The cleaner's default 128 MB on-heap buffer kills a small-heap JVM at start.
            p.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
            Path cfg = dir.resolve("server.properties");
            try (Writer w = Files.newBufferedWriter(cfg)) {
                p.store(w, null);
            }
            ByteArrayOutputStream formatLog = new ByteArrayOutputStream();
            int rc = StorageTool.execute(
                    new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", cfg.toString()},
                    new PrintStream(formatLog, true, StandardCharsets.UTF_8));
            if (rc != 0) {
                throw new IllegalStateException("formatting the embedded broker's storage failed: "
                        + formatLog.toString(StandardCharsets.UTF_8));
            }
            EmbeddedKafka kafka = new EmbeddedKafka(dir, p, "127.0.0.1:" + brokerPort);
            kafka.startServer();
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stops the broker the way a node goes down for a restart (controlled shutdown, logs flushed); the ports are
     * kept and its data stays. {@link #restart()} brings it back.
     */
    public synchronized void stop() {
        if (server == null) return;
        server.shutdown();
        server.awaitShutdown();
        server = null;
    }

    /**
     * Starts the stopped broker again on the same ports, with the same node id, cluster id and log dir (the storage
     * was formatted once, at {@link #start}): clients keep their bootstrap address and find their data.
     */
    public synchronized void restart() {
        if (server != null) throw new IllegalStateException("the broker is running; stop() it first");
        startServer();
    }

    private synchronized void startServer() {
        KafkaRaftServer s = new KafkaRaftServer(KafkaConfig.fromProps(config, false), Time.SYSTEM);
        s.startup();
        server = s;
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    /** Creates the topics (idempotent: existing ones are left as they are). */
    public void createTopics(int partitions, String... names) {
        createTopics(bootstrap, partitions, List.of(names));
    }

    public static void createTopics(String bootstrap, int partitions, List<String> names) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            for (String name : names) {
                try {
                    admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1)
                            .configs(Topics.settings(name, (short) 1)))).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause().getMessage(), e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    @Override
    public void close() {
        stop();
        deleteQuietly(dir);
    }

    /** Deletes a broker's temp folder; a leftover one is harmless. */
    static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // A leftover temp folder is harmless.
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
