package dev.sieve.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.sieve.kafka.Topics;
import dev.sieve.metrics.MeterNames;
import dev.sieve.metrics.MetricsServer;
import dev.sieve.metrics.OpsMetricNames;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * ops/ cannot be applied here (no cluster), so every manifest is parsed and cross-checked against the app: probe
 * paths and ports, the options the ConfigMap keys and container args name, KEDA's group and topic, metric names.
 * A plain YAML parse with structural checks (fabric8's model would accept unknown fields anyway).
 */
@SuppressWarnings("unchecked")
class OpsManifestsTest {
    static final Path OPS = DockerFilesTest.REPO.resolve("ops");
    /** Worker.run drains for at most this long when stopped. */
    static final int WORKER_DRAIN_S = 30;

    record Doc(Path file, Map<String, Object> body) {
        String kind() { return (String) body.get("kind"); }

        String name() { return (String) ((Map<String, Object>) body.get("metadata")).get("name"); }
    }

    static List<Doc> docs(Path dir) throws IOException {
        List<Doc> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                for (Object o : new Yaml().loadAll(Files.readString(f))) {
                    if (o != null) docs.add(new Doc(f, (Map<String, Object>) o));
                }
            }
        }
        return docs;
    }

    static Doc one(List<Doc> docs, String kind, String name) {
        return docs.stream().filter(d -> kind.equals(d.kind()) && name.equals(d.name())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    static Object at(Object node, String... path) {
        Object cur = node;
        for (String p : path) {
            if (cur instanceof Map<?, ?> m) cur = m.get(p);
            else if (cur instanceof List<?> l) cur = l.get(Integer.parseInt(p));
            else throw new AssertionError("no " + String.join(".", path));
        }
        return cur;
    }

    static List<Doc> base() throws IOException {
        return docs(OPS.resolve("base")).stream().filter(d -> !"Kustomization".equals(d.kind())).toList();
    }

    static Map<String, String> config() throws IOException {
        return (Map<String, String>) one(base(), "ConfigMap", "sieve-config").body().get("data");
    }

    @Test
    void everyManifestHasKindNameAndEveryKustomizationReferenceExists() throws IOException {
        for (Path dir : List.of(OPS.resolve("base"), OPS.resolve("overlays/cpu"), OPS.resolve("overlays/gpu"))) {
            Map<String, Object> k = new Yaml().load(Files.readString(dir.resolve("kustomization.yaml")));
            for (String r : (List<String>) k.getOrDefault("resources", List.of())) {
                assertThat(dir.resolve(r)).as("%s: %s", dir, r).exists();
            }
            for (Map<String, Object> p : (List<Map<String, Object>>) k.getOrDefault("patches", List.of())) {
                Path patch = dir.resolve((String) p.get("path"));
                Map<String, Object> target = (Map<String, Object>) p.get("target");
                Map<String, Object> body = new Yaml().load(Files.readString(patch));
                assertThat(body.get("kind")).isEqualTo(target.get("kind"));
                one(base(), (String) target.get("kind"), (String) target.get("name"));
            }
            for (Map<String, Object> g : (List<Map<String, Object>>) k.getOrDefault("configMapGenerator", List.of())) {
                for (String f : (List<String>) g.get("files")) assertThat(dir.resolve(f.substring(f.indexOf('=') + 1))).exists();
            }
            for (Doc d : docs(dir)) {
                assertThat(d.body()).as(d.file().toString()).containsKeys("apiVersion", "kind");
                if (!"Kustomization".equals(d.kind())) assertThat(d.name()).as(d.file().toString()).isNotBlank();
            }
        }
        assertThat(base()).extracting(Doc::kind).contains("Deployment", "Service", "ConfigMap", "PodDisruptionBudget",
                "ScaledObject", "ServiceMonitor", "PrometheusRule", "Job");
    }

    @Test
    void probesUseTheAppsHealthPathsOnItsMetricsPorts() throws IOException {
        Map<String, Integer> ports = Map.of("sieve-worker", MetricsServer.WORK_PORT, "sieve-sorter", MetricsServer.SORT_PORT);
        for (var e : ports.entrySet()) {
            Map<String, Object> container = (Map<String, Object>) at(one(base(), "Deployment", e.getKey()).body(),
                    "spec", "template", "spec", "containers", "0");
            assertThat(at(container, "ports", "0", "containerPort")).isEqualTo(e.getValue());
            assertThat(at(container, "ports", "0", "name")).isEqualTo("metrics");
            List<String> args = (List<String>) container.get("args");
            assertThat(args.get(args.indexOf("--metrics-port") + 1)).isEqualTo(String.valueOf(e.getValue()));
            assertThat(at(container, "livenessProbe", "httpGet", "path")).isEqualTo(MetricsServer.LIVE_PATH);
            assertThat(at(container, "livenessProbe", "httpGet", "port")).isEqualTo("metrics");
            assertThat(at(container, "readinessProbe", "httpGet", "path")).isEqualTo(MetricsServer.READY_PATH);
            assertThat(at(container, "readinessProbe", "httpGet", "port")).isEqualTo("metrics");
            Map<String, Object> service = one(base(), "Service", e.getKey() + "-metrics").body();
            assertThat(at(service, "spec", "ports", "0", "port")).isEqualTo(e.getValue());
            assertThat(at(service, "spec", "ports", "0", "name")).isEqualTo("metrics");
        }
        Map<String, Object> monitor = one(base(), "ServiceMonitor", "sieve").body();
        assertThat(at(monitor, "spec", "endpoints", "0", "path")).isEqualTo(MetricsServer.METRICS_PATH);
        assertThat(at(monitor, "spec", "endpoints", "0", "port")).isEqualTo("metrics");
        Map<String, Object> selector = (Map<String, Object>) at(monitor, "spec", "selector", "matchLabels");
        for (String s : List.of("sieve-worker-metrics", "sieve-sorter-metrics")) {
            assertThat((Map<String, Object>) at(one(base(), "Service", s).body(), "metadata", "labels")).containsAllEntriesOf(selector);
        }
    }

    @Test
    void workersGetLongerToStopThanTheirDrainAndEvictionsTakeOneAtATime() throws IOException {
        Map<String, Object> spec = (Map<String, Object>) at(one(base(), "Deployment", "sieve-worker").body(), "spec", "template", "spec");
        assertThat((Integer) spec.get("terminationGracePeriodSeconds")).isGreaterThan(WORKER_DRAIN_S + 10);
        Map<String, Object> pdb = one(base(), "PodDisruptionBudget", "sieve-worker").body();
        assertThat(at(pdb, "spec", "maxUnavailable")).isEqualTo(1);
        assertThat(at(pdb, "spec", "selector", "matchLabels"))
                .isEqualTo(at(one(base(), "Deployment", "sieve-worker").body(), "spec", "selector", "matchLabels"));
    }

    @Test
    void configKeysAndContainerArgsAreRealOptionsWiredToRealKeys() throws IOException {
        Map<String, String> config = config();
        for (String key : config.keySet()) {
            int dot = key.indexOf('.');
            List<String> commands = dot < 0 ? List.of("work", "sort") : List.of(key.substring(0, dot));
            for (String c : commands) {
                assertThat(SieveOptions.hasOption(c, "--" + key.substring(dot + 1))).as("ConfigMap key %s → sieve %s", key, c).isTrue();
            }
        }
        List<Doc> deployments = new ArrayList<>(base().stream().filter(d -> d.kind().equals("Deployment")).toList());
        assertThat(deployments).hasSize(2);
        for (Doc d : deployments) {
            Map<String, Object> container = (Map<String, Object>) at(d.body(), "spec", "template", "spec", "containers", "0");
            List<String> args = (List<String>) container.get("args");
            String command = args.get(0);
            Map<String, String> envKeys = new LinkedHashMap<>();
            for (Map<String, Object> env : (List<Map<String, Object>>) container.get("env")) {
                Object key = at(env, "valueFrom") instanceof Map<?, ?> vf && vf.containsKey("configMapKeyRef")
                        ? at(env, "valueFrom", "configMapKeyRef", "key") : null;
                envKeys.put((String) env.get("name"), (String) key);
            }
            for (int i = 1; i < args.size(); i++) {
                String a = args.get(i);
                if (a.startsWith("--")) {
                    assertThat(SieveOptions.hasOption(command, a)).as("%s: sieve %s %s", d.name(), command, a).isTrue();
                    continue;
                }
                Matcher m = Pattern.compile("\\$\\((\\w+)\\)").matcher(a);
                if (!m.matches()) continue;
                assertThat(envKeys).as("%s: %s is set", d.name(), a).containsKey(m.group(1));
                String key = envKeys.get(m.group(1));
                if (key == null) continue; // from the downward API (the pod name)
                assertThat(config).as("%s: ConfigMap key %s", d.name(), key).containsKey(key);
                // The key names the option it feeds.
                assertThat(args.get(i - 1)).as("%s: %s feeds %s", d.name(), key, args.get(i - 1))
                        .isEqualTo("--" + key.substring(key.indexOf('.') + 1));
            }
        }
        Map<String, Object> gpuConfig = new Yaml().load(Files.readString(OPS.resolve("overlays/gpu/config-gpu.yaml")));
        for (String key : ((Map<String, String>) gpuConfig.get("data")).keySet()) assertThat(config).containsKey(key);
    }

    @Test
    void kedaScalesTheWorkerGroupOnImagesInLagUpToItsPartitions() throws IOException {
        Map<String, Object> so = one(base(), "ScaledObject", "sieve-worker").body();
        assertThat(at(so, "spec", "scaleTargetRef", "name")).isEqualTo("sieve-worker");
        Map<String, Object> trigger = (Map<String, Object>) at(so, "spec", "triggers", "0");
        assertThat(trigger.get("type")).isEqualTo("kafka");
        Map<String, Object> meta = (Map<String, Object>) trigger.get("metadata");
        Map<String, String> config = config();
        assertThat(meta.get("consumerGroup")).isEqualTo(config.get("work.group"));
        assertThat(meta.get("topic")).isEqualTo(Topics.IN);
        assertThat(meta.get("bootstrapServers")).isEqualTo(config.get("bootstrap-servers"));
        assertThat(meta.get("allowIdleConsumers")).isEqualTo("false");

        String script = String.join("\n", (List<String>) at(one(base(), "Job", "sieve-topics").body(),
                "spec", "template", "spec", "containers", "0", "args"));
        Map<String, Integer> partitions = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(images\\.[a-z.]+):(\\d+)").matcher(script);
        while (m.find()) partitions.put(m.group(1), Integer.parseInt(m.group(2)));
        assertThat(partitions.keySet()).containsExactlyInAnyOrder(Topics.IN, Topics.SCORED, Topics.CORRECTIONS, Topics.FAILED);
        // The sorter joins corrections with scored images: they must be co-partitioned.
        assertThat(partitions.get(Topics.CORRECTIONS)).isEqualTo(partitions.get(Topics.SCORED));
        assertThat((Integer) at(so, "spec", "maxReplicaCount")).isBetween(1, partitions.get(Topics.IN));
    }

    @Test
    void gpuOverlayRequestsAGpuForWorkersOnly() throws IOException {
        Map<String, Object> patch = new Yaml().load(Files.readString(OPS.resolve("overlays/gpu/worker-gpu.yaml")));
        assertThat(at(patch, "metadata", "name")).isEqualTo("sieve-worker");
        assertThat((Map<String, Object>) at(patch, "spec", "template", "spec", "containers", "0", "resources", "limits"))
                .containsEntry("nvidia.com/gpu", 1);
        assertThat(Files.readString(OPS.resolve("overlays/cpu/worker-cpu.yaml"))).doesNotContain("nvidia.com/gpu");
        Map<String, Object> gpuConfig = new Yaml().load(Files.readString(OPS.resolve("overlays/gpu/config-gpu.yaml")));
        assertThat(at(gpuConfig, "data", "work.device")).isEqualTo("gpu");
    }

    @Test
    void alertsAndDashboardUseOnlyMetricNamesTheAppDefines() throws Exception {
        JsonElement dashboard = JsonParser.parseString(Files.readString(OPS.resolve("base/dashboard.json")));
        assertThat(dashboard.getAsJsonObject().getAsJsonArray("panels")).hasSizeGreaterThan(10);
        Map<String, Object> rules = one(base(), "PrometheusRule", "sieve").body();
        List<Map<String, Object>> alerts = (List<Map<String, Object>>) at(rules, "spec", "groups", "0", "rules");
        assertThat(alerts).extracting(r -> r.get("alert")).contains("SieveLagGrowing", "SieveFailureRateHigh", "SieveNoProgress");

        Set<String> defined = new HashSet<>();
        for (Field f : MeterNames.class.getFields()) {
            if (!Modifier.isStatic(f.getModifiers())) continue;
            String base = ((String) f.get(null)).replace('.', '_');
            for (String suffix : List.of("", "_total", "_seconds", "_seconds_count", "_seconds_sum", "_seconds_bucket",
                    "_seconds_max", "_count", "_sum", "_bucket", "_max")) {
                defined.add(base + suffix);
            }
        }
        Set<String> used = OpsMetricNames.used();
        assertThat(used).contains("sieve_worker_consumer_lag", "sieve_worker_stage_seconds_bucket", "sieve_sort_routed_total");
        assertThat(defined).containsAll(used);
    }
}
