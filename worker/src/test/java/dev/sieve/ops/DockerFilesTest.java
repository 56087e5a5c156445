package dev.sieve.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.kafka.Topics;
import dev.sieve.metrics.MetricsServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/ cannot be built here (no Docker engine), so its files are checked against the repository and the app:
 * every `sieve` option in compose.yaml exists, topic names are the app's, COPY sources exist.
 */
class DockerFilesTest {
    static final Path REPO = Path.of(System.getProperty("sieve.repo", "..")).toAbsolutePath().normalize();
    static final Path DOCKER = REPO.resolve("docker");
    static final Set<String> TOPICS = Set.of(Topics.IN, Topics.SCORED, Topics.CORRECTIONS, Topics.FAILED);

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> services() throws IOException {
        Map<String, Object> compose = new Yaml().load(Files.readString(DOCKER.resolve("compose.yaml")));
        return (Map<String, Map<String, Object>>) compose.get("services");
    }

    @SuppressWarnings("unchecked")
    static List<String> command(Map<String, Object> service) {
        return (List<String>) service.get("command");
    }

    static boolean isSieve(Map<String, Object> service) {
        return String.valueOf(service.get("image")).startsWith("sieve:");
    }

    @Test
    void everySieveCommandInComposeUsesARealSubcommandAndRealOptions() throws IOException {
        List<String> checked = new ArrayList<>();
        for (var e : services().entrySet()) {
            if (!isSieve(e.getValue())) continue;
            List<String> args = command(e.getValue());
            assertThat(SieveOptions.isCommand(args.get(0))).as("%s: sieve %s", e.getKey(), args.get(0)).isTrue();
            for (String option : SieveOptions.options(args)) {
                assertThat(SieveOptions.hasOption(args.get(0), option)).as("%s: sieve %s %s", e.getKey(), args.get(0), option).isTrue();
                checked.add(args.get(0) + " " + option);
            }
        }
        assertThat(checked).contains("work --metrics-port", "sort --metrics-port", "produce --topic", "status --group");
    }

    @Test
    void composeRunsTheOfficialKafkaInKraftModeAndCreatesTheAppsTopics() throws IOException {
        Map<String, Map<String, Object>> services = services();
        assertThat(services).containsKeys("kafka", "topics", "worker", "sorter", "producer");
        assertThat(services.get("kafka").get("image")).asString().startsWith("apache/kafka:");
        @SuppressWarnings("unchecked")
        Map<String, Object> env = (Map<String, Object>) services.get("kafka").get("environment");
        assertThat(env.get("KAFKA_PROCESS_ROLES")).isEqualTo("broker,controller");

        String script = String.join("\n", command(services.get("topics")));
        Matcher m = Pattern.compile("(images\\.[a-z.]+):(\\d+)").matcher(script);
        List<String> created = new ArrayList<>();
        while (m.find()) created.add(m.group(1));
        assertThat(created).containsExactlyInAnyOrderElementsOf(TOPICS);
        for (var e : services.entrySet()) {
            if (!isSieve(e.getValue())) continue;
            List<String> args = command(e.getValue());
            int i = args.indexOf("--topic");
            if (i >= 0) assertThat(TOPICS).as(e.getKey()).contains(args.get(i + 1));
        }
    }

    @Test
    void composeMountsModelsThatExistAndPublishesTheMetricsPorts() throws IOException {
        Map<String, Map<String, Object>> services = services();
        List<String> worker = command(services.get("worker"));
        // ${SIEVE_MODELS:-../models} is mounted on /models: the default must hold the files the worker is given.
        String clip = worker.get(worker.indexOf("--clip") + 1);
        String heads = worker.get(worker.indexOf("--heads-dir") + 1);
        assertThat(services.get("worker").get("volumes")).asString().contains("${SIEVE_MODELS:-../models}:/models:ro");
        assertThat(DOCKER.resolve("../models").resolve(clip.substring("/models/".length()))).isRegularFile();
        assertThat(DOCKER.resolve("../models").resolve(heads.substring("/models/".length()))).isDirectory();
        assertThat(worker.get(worker.indexOf("--metrics-port") + 1)).isEqualTo(String.valueOf(MetricsServer.WORK_PORT));
        List<String> sorter = command(services.get("sorter"));
        assertThat(sorter.get(sorter.indexOf("--metrics-port") + 1)).isEqualTo(String.valueOf(MetricsServer.SORT_PORT));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.cpu", "Dockerfile.cuda"})
    void dockerfileCopiesOnlyPathsThatExistAndRunsAsNonRoot(String name) throws IOException {
        List<String> lines = joinContinuations(Files.readAllLines(DOCKER.resolve(name)));
        int copies = 0;
        for (String line : lines) {
            if (!line.startsWith("COPY ") || line.contains("--from=")) continue;
            String[] parts = line.replaceAll("--chown=\\S+", "").trim().split("\\s+");
            for (int i = 1; i < parts.length - 1; i++) {
                assertThat(REPO.resolve(parts[i])).as("%s: %s", name, line).exists();
                copies++;
            }
        }
        assertThat(copies).isGreaterThanOrEqualTo(5);
        assertThat(lines).anyMatch(l -> l.matches("USER [1-9]\\d*(:[1-9]\\d*)?"));
        assertThat(lines).anyMatch(l -> l.startsWith("EXPOSE") && l.contains(String.valueOf(MetricsServer.WORK_PORT))
                && l.contains(String.valueOf(MetricsServer.SORT_PORT)));
        assertThat(lines).anyMatch(l -> l.contains("DJL_OFFLINE=true"));
        // The image reads models from a volume, never from the repository.
        assertThat(lines).noneMatch(l -> l.startsWith("COPY models"));
    }

    @Test
    void cudaImagePinsItsLibtorchToTheVersionsThePomUses() throws IOException {
        String dockerfile = Files.readString(DOCKER.resolve("Dockerfile.cuda"));
        String pom = Files.readString(REPO.resolve("pom.xml"));
        Matcher v = Pattern.compile("<libtorch.version>([^<]+)<").matcher(pom);
        assertThat(v.find()).isTrue();
        assertThat(dockerfile).contains("ARG LIBTORCH_VERSION=" + v.group(1)).contains("sha256sum -c");
        assertThat(DOCKER.resolve("libtorch-cuda.sha256")).isRegularFile();
    }

    static List<String> joinContinuations(List<String> raw) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String l : raw) {
            if (l.startsWith("#")) continue;
            if (l.endsWith("\\")) {
                cur.append(l, 0, l.length() - 1).append(' ');
            } else {
                out.add(cur.append(l).toString().trim());
                cur.setLength(0);
            }
        }
        return out;
    }
}
