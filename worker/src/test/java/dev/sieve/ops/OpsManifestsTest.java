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
 * A plain YAML parse with structural checks; rendering the overlays and validating them against the Kubernetes, KEDA
 * and Prometheus-operator schemas is ops/check's job (kubectl, npm, promtool), run by .ci/run.
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

    /** The worker or sorter, whatever kind of workload it is. */
    static Doc workload(String name) throws IOException {
        return base().stream().filter(d -> WORKLOADS.contains(d.kind()) && name.equals(d.name())).findFirst()
                .orElseThrow(() -> new AssertionError("no workload " + name));
    }

    static final Set<String> WORKLOADS = Set.of("Deployment", "StatefulSet", "Job");

    static Map<String, Object> podSpec(Doc workload) {
        return (Map<String, Object>) at(workload.body(), "spec", "template", "spec");
    }

    static List<Map<String, Object>> containers(Doc workload) {
        return (List<Map<String, Object>>) podSpec(workload).get("containers");
    }

    /** The typed configuration: base/config.env, generated into the ConfigMap sieve-config. */
    static Map<String, String> config() throws IOException {
        return envFile(OPS.resolve("base/config.env"));
    }

    /** A kustomize env file (what configMapGenerator's envs reads): key=value lines, # comments. */
    static Map<String, String> envFile(Path file) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int eq = line.indexOf('=');
            assertThat(eq).as("%s: %s", file, line).isPositive();
            values.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return values;
    }

    @Test
    void everyManifestHasKindNameAndEveryKustomizationReferenceExists() throws IOException {
        for (Path dir : List.of(OPS.resolve("base"), OPS.resolve("overlays/cpu"), OPS.resolve("overlays/gpu"))) {
            Map<String, Object> k = new Yaml().load(Files.readString(dir.resolve("kustomization.yaml")));
            for (String r : (List<String>) k.getOrDefault("resources", List.of())) {
                assertThat(dir.resolve(r)).as("%s: %s", dir, r).exists();
            }
            for (Map<String, Object> p : (List<Map<String, Object>>) k.getOrDefault("patches", List.of())) {
                Map<String, Object> target = (Map<String, Object>) p.get("target");
                one(base(), (String) target.get("kind"), (String) target.get("name"));
                if (p.get("path") == null) continue; // an inline JSON patch: kubectl kustomize (ops/check) applies it
                Map<String, Object> body = new Yaml().load(Files.readString(dir.resolve((String) p.get("path"))));
                assertThat(body.get("kind")).isEqualTo(target.get("kind"));
            }
            for (String generator : List.of("configMapGenerator", "secretGenerator")) {
                for (Map<String, Object> g : (List<Map<String, Object>>) k.getOrDefault(generator, List.of())) {
                    for (String f : (List<String>) g.getOrDefault("files", List.of())) {
                        assertThat(dir.resolve(f.substring(f.indexOf('=') + 1))).exists();
                    }
                    for (String f : (List<String>) g.getOrDefault("envs", List.of())) assertThat(dir.resolve(f)).exists();
                }
            }
            for (Doc d : docs(dir)) {
                assertThat(d.body()).as(d.file().toString()).containsKeys("apiVersion", "kind");
                if (!"Kustomization".equals(d.kind())) assertThat(d.name()).as(d.file().toString()).isNotBlank();
            }
        }
        assertThat(base()).extracting(Doc::kind).contains("Deployment", "StatefulSet", "Service",
                "PodDisruptionBudget", "ScaledObject", "TriggerAuthentication", "ServiceMonitor", "PrometheusRule", "Job",
                "NetworkPolicy", "Namespace");
    }

    @Test
    void probesUseTheAppsHealthPathsOnItsMetricsPorts() throws IOException {
        Map<String, Integer> ports = Map.of("sieve-worker", MetricsServer.WORK_PORT, "sieve-sorter", MetricsServer.SORT_PORT);
        for (var e : ports.entrySet()) {
            Map<String, Object> container = containers(workload(e.getKey())).get(0);
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
        Map<String, Object> spec = podSpec(workload("sieve-worker"));
        assertThat((Integer) spec.get("terminationGracePeriodSeconds")).isGreaterThan(WORKER_DRAIN_S + 10);
        Map<String, Object> pdb = one(base(), "PodDisruptionBudget", "sieve-worker").body();
        assertThat(at(pdb, "spec", "maxUnavailable")).isEqualTo(1);
        assertThat(at(pdb, "spec", "selector", "matchLabels"))
                .isEqualTo(at(workload("sieve-worker").body(), "spec", "selector", "matchLabels"));
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
        List<Doc> deployments = List.of(workload("sieve-worker"), workload("sieve-sorter"));
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
        for (String key : envFile(OPS.resolve("overlays/gpu/config-gpu.env")).keySet()) assertThat(config).containsKey(key);
    }

    @Test
    void kedaScalesTheWorkerGroupOnImagesInLagUpToItsPartitions() throws IOException {
        Map<String, Object> so = one(base(), "ScaledObject", "sieve-worker").body();
        assertThat(at(so, "spec", "scaleTargetRef", "name")).isEqualTo("sieve-worker");
        Map<String, Object> trigger = (Map<String, Object>) at(so, "spec", "triggers", "0");
        assertThat(trigger.get("type")).isEqualTo("kafka");
        Map<String, Object> meta = (Map<String, Object>) trigger.get("metadata");
        Map<String, String> config = config();
        assertThat(meta.get("topic")).isEqualTo(Topics.IN);
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
        assertThat(envFile(OPS.resolve("overlays/gpu/config-gpu.env"))).containsEntry("work.device", "gpu");
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

    /** The kustomization of a folder under ops/. */
    static Map<String, Object> kustomization(String dir) throws IOException {
        return new Yaml().load(Files.readString(OPS.resolve(dir).resolve("kustomization.yaml")));
    }

    static Map<String, String> env(Map<String, Object> container) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Map<String, Object> e : (List<Map<String, Object>>) container.getOrDefault("env", List.of())) {
            values.put((String) e.get("name"), e.get("value") != null ? (String) e.get("value") : String.valueOf(e.get("valueFrom")));
        }
        return values;
    }

    @Test
    void workersAreAStatefulSetSoARescheduledPodKeepsItsTransactionalId() throws IOException {
        // A Deployment's replacement pod gets a new name, hence a new transactional id: its dead predecessor's open
        // transaction is then never fenced and hides later results from read_committed readers until it times out.
        Doc worker = workload("sieve-worker");
        assertThat(worker.kind()).isEqualTo("StatefulSet");
        Map<String, Object> spec = (Map<String, Object>) worker.body().get("spec");
        assertThat(spec).as("KEDA owns the replica count").doesNotContainKey("replicas");
        // Pods start and stop together (a scale-up must not wait for each model load in turn).
        assertThat(spec.get("podManagementPolicy")).isEqualTo("Parallel");
        assertThat(one(base(), "Service", (String) spec.get("serviceName"))).isNotNull();
        // No surge: a pod is stopped before its replacement starts, so a rollout never needs a spare GPU.
        assertThat(at(spec, "updateStrategy", "type")).isEqualTo("RollingUpdate");
        assertThat(at(spec, "updateStrategy", "rollingUpdate", "maxUnavailable")).isEqualTo(1);
        Map<String, Object> container = containers(worker).get(0);
        List<String> args = (List<String>) container.get("args");
        String id = args.get(args.indexOf("--worker-id") + 1);
        assertThat(id).isEqualTo("$(POD_NAME)");
        assertThat(env(container).get("POD_NAME")).contains("metadata.name");
        Map<String, Object> target = (Map<String, Object>) at(one(base(), "ScaledObject", "sieve-worker").body(), "spec", "scaleTargetRef");
        assertThat(target).containsEntry("kind", "StatefulSet").containsEntry("apiVersion", "apps/v1").containsEntry("name", "sieve-worker");
        for (String overlay : List.of("cpu", "gpu")) {
            for (Map<String, Object> p : (List<Map<String, Object>>) kustomization("overlays/" + overlay).get("patches")) {
                Map<String, Object> t = (Map<String, Object>) p.get("target");
                if ("sieve-worker".equals(t.get("name")) && !"ScaledObject".equals(t.get("kind"))) {
                    assertThat(t.get("kind")).as(overlay).isEqualTo("StatefulSet");
                }
            }
        }
    }

    @Test
    void kedaReadsTheWorkersOwnConnectionSettingsAndAuthenticatesFromTheKafkaSecret() throws IOException {
        Map<String, Object> so = one(base(), "ScaledObject", "sieve-worker").body();
        Map<String, Object> trigger = (Map<String, Object>) at(so, "spec", "triggers", "0");
        Map<String, Object> meta = (Map<String, Object>) trigger.get("metadata");
        // Hard-coded copies drift from the ConfigMap: KEDA resolves *FromEnv against the target's container.
        assertThat(meta).doesNotContainKeys("bootstrapServers", "consumerGroup");
        Map<String, String> workerEnv = env(containers(workload("sieve-worker")).get(0));
        assertThat(workerEnv.get((String) meta.get("bootstrapServersFromEnv"))).contains("bootstrap-servers");
        assertThat(workerEnv.get((String) meta.get("consumerGroupFromEnv"))).contains("work.group");
        Map<String, Object> auth = one(base(), "TriggerAuthentication", (String) at(trigger, "authenticationRef", "name")).body();
        List<Map<String, Object>> refs = (List<Map<String, Object>>) at(auth, "spec", "secretTargetRef");
        assertThat(refs).extracting(r -> r.get("parameter")).contains("sasl", "tls", "username", "password", "ca");
        assertThat(refs).extracting(r -> r.get("name")).containsOnly(KAFKA_SECRET);
        // Five minutes of one worker's work each: ops/CAPACITY.md derives both values and the manifests carry them.
        String capacity = Files.readString(OPS.resolve("CAPACITY.md"));
        String cpu = (String) meta.get("lagThreshold");
        Matcher gpu = Pattern.compile("lagThreshold\\s+value: \"(\\d+)\"").matcher(Files.readString(OPS.resolve("overlays/gpu/kustomization.yaml")));
        assertThat(gpu.find()).isTrue();
        assertThat(Integer.parseInt(gpu.group(1))).as("seconds of work for one GPU was the old value").isGreaterThan(2000);
        assertThat(capacity).contains("CPU worker `lagThreshold` **" + cpu + "**").contains("GPU worker `lagThreshold` **" + gpu.group(1) + "**");
    }

    static final String KAFKA_SECRET = "sieve-kafka";
    static final String KAFKA_CONFIG_FILE = "client.properties";

    @Test
    void kafkaClientSettingsReachWorkerSorterAndTopicsJobFromOneSecret() throws IOException {
        List<Map<String, Object>> secrets = (List<Map<String, Object>>) kustomization("base").get("secretGenerator");
        assertThat(secrets).as("a generated Secret: its name hash changes with its content").isNotNull();
        Map<String, Object> secret = secrets.stream().filter(g -> KAFKA_SECRET.equals(g.get("name"))).findFirst().orElseThrow();
        assertThat((List<String>) secret.get("files")).anyMatch(f -> f.endsWith(KAFKA_CONFIG_FILE));
        assertThat(secret.get("options")).as("hash suffix kept: a changed secret rolls the pods").isNull();
        for (Doc w : List.of(workload("sieve-worker"), workload("sieve-sorter"), one(base(), "Job", "sieve-topics"))) {
            Map<String, Object> pod = podSpec(w);
            String volume = ((List<Map<String, Object>>) pod.get("volumes")).stream()
                    .filter(v -> v.get("secret") instanceof Map<?, ?> sec && KAFKA_SECRET.equals(sec.get("secretName")))
                    .map(v -> (String) v.get("name")).findFirst().orElseThrow(() -> new AssertionError(w.name() + ": no " + KAFKA_SECRET + " volume"));
            Map<String, Object> container = containers(w).get(0);
            String mount = ((List<Map<String, Object>>) container.get("volumeMounts")).stream()
                    .filter(m -> volume.equals(m.get("name"))).map(m -> (String) m.get("mountPath")).findFirst().orElseThrow();
            String file = mount + "/" + KAFKA_CONFIG_FILE;
            if (w.kind().equals("Job")) {
                assertThat(String.join("\n", (List<String>) container.get("args"))).as(w.name()).contains("--command-config " + file);
            } else {
                // sieve reads SIEVE_KAFKA_CONFIG as --kafka-config's default.
                assertThat(env(container)).as(w.name()).containsEntry("SIEVE_KAFKA_CONFIG", file);
            }
        }
        // The typed configuration is generated too, with a hash suffix, so editing it rolls the pods.
        Map<String, Object> config = ((List<Map<String, Object>>) kustomization("base").get("configMapGenerator")).stream()
                .filter(g -> "sieve-config".equals(g.get("name"))).findFirst().orElseThrow();
        assertThat(config.get("options")).isNull();
    }

    @Test
    void everyPodMeetsPodSecurityRestricted() throws IOException {
        Map<String, Object> ns = one(base(), "Namespace", "sieve").body();
        assertThat((Map<String, Object>) at(ns, "metadata", "labels")).containsEntry("pod-security.kubernetes.io/enforce", "restricted");
        for (Doc w : base().stream().filter(d -> WORKLOADS.contains(d.kind())).toList()) {
            Map<String, Object> pod = podSpec(w);
            assertThat(pod.get("automountServiceAccountToken")).as(w.name()).isEqualTo(false);
            assertThat(at(pod, "securityContext", "runAsNonRoot")).as(w.name()).isEqualTo(true);
            assertThat(at(pod, "securityContext", "seccompProfile", "type")).as(w.name()).isEqualTo("RuntimeDefault");
            for (Map<String, Object> c : containers(w)) {
                Map<String, Object> sc = (Map<String, Object>) c.get("securityContext");
                assertThat(sc).as(w.name()).containsEntry("allowPrivilegeEscalation", false).containsEntry("readOnlyRootFilesystem", true);
                assertThat(at(sc, "capabilities", "drop")).as(w.name()).isEqualTo(List.of("ALL"));
            }
        }
    }

    @Test
    void workersAndSorterSpreadOverNodesAndZonesAndDrainsEvictPodsStillLoading() throws IOException {
        for (String name : List.of("sieve-worker", "sieve-sorter")) {
            Doc w = workload(name);
            List<Map<String, Object>> spread = (List<Map<String, Object>>) podSpec(w).get("topologySpreadConstraints");
            assertThat(spread).as(name).extracting(c -> c.get("topologyKey")).contains("kubernetes.io/hostname", "topology.kubernetes.io/zone");
            for (Map<String, Object> c : spread) {
                assertThat(at(c, "labelSelector", "matchLabels")).isEqualTo(at(w.body(), "spec", "selector", "matchLabels"));
            }
            // A pod still loading its model is not ready: without AlwaysAllow the PDB counts it as disrupted and
            // blocks every drain until it loads.
            assertThat(at(one(base(), "PodDisruptionBudget", name).body(), "spec", "unhealthyPodEvictionPolicy")).isEqualTo("AlwaysAllow");
        }
    }

    @Test
    void threadsAndHeapFollowThePodsResourcesNotTheNodes() throws IOException {
        Map<String, Object> container = containers(workload("sieve-worker")).get(0);
        Map<String, String> env = env(container);
        // The JVM sizes the prepare pool (cores - 1) and GC threads from what it sees: the pod's CPU limit, given
        // explicitly (nproc, which the entrypoint uses for libtorch, ignores CPU quotas).
        assertThat(env.get("SIEVE_CPUS")).contains("limits.cpu");
        assertThat(env.get("SIEVE_JAVA_OPTS")).contains("-XX:ActiveProcessorCount=$(SIEVE_CPUS)");
        assertThat(env).containsKey("SIEVE_TORCH_THREADS");
        assertThat((Map<String, Object>) at(container, "resources", "limits")).containsKeys("cpu", "memory");
        for (String overlay : List.of("cpu", "gpu")) {
            Map<String, Object> patch = new Yaml().load(Files.readString(OPS.resolve("overlays/" + overlay + "/worker-" + overlay + ".yaml")));
            Map<String, Object> c = (Map<String, Object>) at(patch, "spec", "template", "spec", "containers", "0");
            assertThat(at(c, "resources", "limits", "cpu")).as(overlay).isEqualTo(at(c, "resources", "requests", "cpu"));
            assertThat(env(c)).as(overlay).containsKey("SIEVE_TORCH_THREADS");
        }
    }

    @Test
    void topicsJobDemandsInSyncReplicasAndAgreesWithTheBucketTopicsSieveCreates() throws IOException {
        String script = String.join("\n", (List<String>) at(one(base(), "Job", "sieve-topics").body(),
                "spec", "template", "spec", "containers", "0", "args"));
        Matcher rf = Pattern.compile("--replication-factor (\\d+)").matcher(script);
        assertThat(rf.find()).isTrue();
        short replication = Short.parseShort(rf.group(1));
        Map<String, String> durability = Topics.durability(replication);
        assertThat(durability).containsKey("min.insync.replicas");
        for (var e : durability.entrySet()) assertThat(script).contains("--config " + e.getKey() + "=" + e.getValue());
        // The sorter creates the bucket topics: the same replication (hence the same min.insync.replicas), not the broker's.
        assertThat(config()).containsEntry("sort.bucket-replication", String.valueOf(replication));
        assertThat(Integer.parseInt(config().get("sort.bucket-partitions"))).isPositive();
    }
}
