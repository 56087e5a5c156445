package dev.sieve.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.metrics.MetricsServer;
import dev.sieve.sort.SortApp;
import dev.sieve.sort.SortConfig;
import dev.sieve.sort.TagRules;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's JVM and Kafka-client panels query meters that sieve does not name itself (micrometer's JVM
 * binders, Kafka's own client metrics): each one must be in what a real worker registry and a real sorter on the
 * embedded broker serve, or the panel stays empty in production without anyone noticing.
 */
class DashboardMetricsTest {
    private static final Pattern FOREIGN = Pattern.compile("\\b(?:jvm|process|system|kafka)_[a-z0-9_]+");

    @TempDir
    Path stateDir;

    static Set<String> foreignNamesInDashboard() throws Exception {
        Set<String> names = new TreeSet<>();
        Matcher m = FOREIGN.matcher(Files.readString(OpsManifestsTest.OPS.resolve("base/dashboard.json")));
        while (m.find()) names.add(m.group());
        return names;
    }

    @Test
    void everyJvmAndKafkaMeterTheDashboardQueriesIsServed() throws Exception {
        Set<String> used = foreignNamesInDashboard();
        assertThat(used).as("JVM/GC and Kafka panels").contains("jvm_gc_pause_seconds_sum", "jvm_memory_used_bytes", "system_cpu_count",
                "kafka_producer_request_latency_avg", "kafka_consumer_fetch_manager_records_lag_max");

        PrometheusMeterRegistry worker = MetricsServer.newRegistry();
        System.gc(); // a GC pause meter appears with the first collection
        String bootstrap = SharedKafka.bootstrapServers();
        String input = "images.scored.dashboard-test";
        SharedKafka.broker().createTopics(1, input);
        PrometheusMeterRegistry sorter = MetricsServer.newRegistry();
        SortConfig config = new SortConfig(input, input + ".corrections", "dashboard-test", TagRules.parse(List.of(), List.of()),
                SortConfig.Guarantee.EXACTLY_ONCE_V2, 1, (short) 1, 1, Optional.of(stateDir));
        try (SortApp app = SortApp.start(config, KafkaSettings.of(bootstrap), sorter)) {
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                System.gc();
                Set<String> served = new TreeSet<>();
                Matcher m = Pattern.compile("(?m)^([a-z_][a-z0-9_]*)[{ ]").matcher(worker.scrape() + "\n" + sorter.scrape());
                while (m.find()) served.add(m.group(1));
                assertThat(served).containsAll(used);
            });
        }
    }
}
