package dev.sieve.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.kafka.Topics;
import dev.sieve.metrics.MetricsServer;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/ cannot be built here (no Docker engine), so its files are checked against the repository and the app:
 * every `sieve` option in compose.yaml exists, topic names are the app's, COPY sources exist, the runtime stage has
 * the native decoders, and the CUDA stage's scripts (assemble, fetch and verify) do what the Dockerfile relies on.
 * scripts/image-smoke runs the assembled images themselves.
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

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.cpu", "Dockerfile.cuda"})
    void runtimeStageInstallsTheNativeDecodersOfTheExactPathAndRefusesToRunWithoutThem(String name) throws IOException {
        List<String> stage = finalStage(name);
        // Without them every JPEG took ImageIO in a container: ICC profiles applied, scores off by up to 0.2.
        assertThat(stage).as(name).anyMatch(l -> l.startsWith("RUN ") && l.contains("apt-get install")
                && l.contains(" libturbojpeg0") && l.contains(" libdeflate0") && l.contains(" openjdk-17-jre-headless")
                && l.contains(" libzstd1") && l.contains(" liblzma5") && l.contains(" liblcms2-2")); // ZSTD, LZMA, LAB TIFFs
        assertThat(stage).as(name).anyMatch(l -> l.startsWith("ENV ") && l.contains("SIEVE_REQUIRE_EXACT_DECODERS=true"));
        assertThat(stage).as(name).anyMatch(l -> l.equals("COPY --from=build /image/ /"));
    }

    @Test
    void bothImagesShareOneRuntimeBaseAndPackageList() throws IOException {
        List<String> cpu = finalStage("Dockerfile.cpu");
        List<String> cuda = finalStage("Dockerfile.cuda");
        assertThat(cuda.stream().filter(l -> l.contains("apt-get install")).toList())
                .isEqualTo(cpu.stream().filter(l -> l.contains("apt-get install")).toList()).hasSize(1);
        assertThat(Files.readString(DOCKER.resolve("Dockerfile.cpu"))).contains("ARG RUNTIME_IMAGE=debian:bookworm-slim");
        assertThat(Files.readString(DOCKER.resolve("Dockerfile.cuda"))).contains("ARG RUNTIME_IMAGE=debian:bookworm-slim");
    }

    @Test
    void cudaPinsTheLibtorchThePomsJniGlueIsForAndTheImageLoadsItFromTheFolderAssembleFills() throws IOException {
        String pom = Files.readString(REPO.resolve("pom.xml"));
        String libtorch = pomProperty(pom, "libtorch.version");
        String djl = pomProperty(pom, "djl.version");
        String pins = Files.readString(DOCKER.resolve("libtorch-cuda.sha256"));
        assertThat(pins).contains("# version=" + libtorch + "\n").contains("# flavor=cu128\n");
        for (String line : pins.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).toList()) {
            assertThat(line).as("a pin line").matches("[0-9a-f]{64}  [A-Za-z0-9._+-]+");
        }
        String dockerfile = String.join("\n", DockerFilesTest.joinContinuations(Files.readAllLines(DOCKER.resolve("Dockerfile.cuda"))));
        assertThat(dockerfile).contains("RUN sh /tmp/fetch-libtorch-cuda.sh /tmp/libtorch-cuda.sha256 /libtorch")
                .contains("assemble.sh cuda /src/worker/target /image /libtorch cu128")
                .contains("PYTORCH_LIBRARY_PATH=/opt/djl/pytorch/" + libtorch + "-cu128-linux-x86_64")
                .contains("PYTORCH_VERSION=" + libtorch).contains("PYTORCH_FLAVOR=cu128").contains("DJL_CACHE_DIR=/opt/djl");
        // The 107 MB CPU natives jar was copied with lib/ and deleted in a later layer, so it still shipped.
        assertThat(dockerfile).doesNotContain("pytorch-native-cpu").doesNotContain("target/lib /opt");
        assertThat(pom).contains("<artifactId>pytorch-jni</artifactId><version>${libtorch.version}-${djl.version}</version>");
        assertThat(djl).isEqualTo("0.36.0"); // assemble.sh names the glue <djl version>-libdjl_torch.so from the jar's properties
    }

    @Test
    void assembleLeavesTheCpuNativesJarOutOfTheCudaImageAndPutsTheJniGlueWhereDjlLooks(@TempDir Path tmp) throws Exception {
        Path target = tmp.resolve("target");
        Files.createDirectories(target.resolve("lib"));
        Files.writeString(target.resolve("sieve.jar"), "app");
        Files.writeString(target.resolve("lib/kafka-clients-4.4.0.jar"), "lib");
        Files.writeString(target.resolve("lib/pytorch-native-cpu-2.7.1-linux-x86_64.jar"), "107 MB of CPU natives");
        byte[] glue = "cu128 glue".getBytes(StandardCharsets.UTF_8);
        try (var jar = new ZipOutputStream(Files.newOutputStream(target.resolve("lib/pytorch-jni-2.7.1-0.36.0.jar")))) {
            jar.putNextEntry(new ZipEntry("jnilib/pytorch.properties"));
            jar.write("jni_version=2.7.1-0.36.0".getBytes(StandardCharsets.UTF_8));
            jar.putNextEntry(new ZipEntry("jnilib/linux-x86_64/cu128/libdjl_torch.so"));
            jar.write(glue);
            jar.putNextEntry(new ZipEntry("jnilib/linux-x86_64/cpu/libdjl_torch.so"));
            jar.write("cpu glue".getBytes(StandardCharsets.UTF_8));
        }
        Path natives = Files.createDirectories(tmp.resolve("libtorch"));
        Files.writeString(natives.resolve("libtorch.so"), "libtorch");
        Files.writeString(natives.resolve("libtorch_cuda.so"), "libtorch_cuda");
        Path root = tmp.resolve("root");

        Run run = sh(DOCKER.resolve("assemble.sh").toString(), "cuda", target.toString(), root.toString(), natives.toString(), "cu128");

        assertThat(run.exit()).as(run.output()).isZero();
        Path dir = root.resolve("opt/djl/pytorch/2.7.1-cu128-linux-x86_64");
        assertThat(dir.resolve("0.36.0-libdjl_torch.so")).hasBinaryContent(glue);
        assertThat(dir.resolve("libtorch.so")).hasContent("libtorch");
        assertThat(dir.resolve("libtorch_cuda.so")).isRegularFile();
        assertThat(root.resolve("opt/sieve/lib/kafka-clients-4.4.0.jar")).isRegularFile();
        assertThat(root.resolve("opt/sieve/lib/pytorch-native-cpu-2.7.1-linux-x86_64.jar")).doesNotExist();
        assertThat(root.resolve("opt/sieve/entrypoint.sh")).isExecutable();
    }

    @Test
    void fetchRefusesAnUnpinnedListAndAnyFileWhoseHashIsNotThePinnedOne(@TempDir Path tmp) throws Exception {
        byte[] lib = "the real libtorch".getBytes(StandardCharsets.UTF_8);
        Map<String, byte[]> served = new java.util.concurrent.ConcurrentHashMap<>();
        served.put("/pytorch/2.7.1/cu128/linux-x86_64/native/lib/libtorch.so.gz", gzip(lib));
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = served.get(exchange.getRequestURI().getPath());
            exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/pytorch";
            String fetch = DOCKER.resolve("fetch-libtorch-cuda.sh").toString();
            Path pins = tmp.resolve("pins");

            Files.writeString(pins, "# version=2.7.1\n# flavor=cu128\n");
            Run unpinned = sh(fetch, pins.toString(), tmp.resolve("a").toString(), base);
            assertThat(unpinned.exit()).isNotZero();
            assertThat(unpinned.output()).contains("pins nothing");

            Files.writeString(pins, "# version=2.7.1\n# flavor=cu128\n" + sha256(lib) + "  libtorch.so\n");
            Run good = sh(fetch, pins.toString(), tmp.resolve("b").toString(), base);
            assertThat(good.exit()).as(good.output()).isZero();
            assertThat(tmp.resolve("b/libtorch.so")).hasBinaryContent(lib);

            served.put("/pytorch/2.7.1/cu128/linux-x86_64/native/lib/libtorch.so.gz", gzip("tampered".getBytes(StandardCharsets.UTF_8)));
            Run tampered = sh(fetch, pins.toString(), tmp.resolve("c").toString(), base);
            assertThat(tampered.exit()).isNotZero();
            assertThat(tampered.output()).contains("FAILED");

            Files.writeString(pins, Files.readString(pins) + sha256(lib) + "  libc10_cuda.so\n");
            assertThat(sh(fetch, pins.toString(), tmp.resolve("d").toString(), base).exit()).as("a pinned file the server lacks").isNotZero();
        } finally {
            server.stop(0);
        }
        if (Files.readString(DOCKER.resolve("libtorch-cuda.sha256")).lines().allMatch(l -> l.startsWith("#") || l.isBlank())) {
            Run repo = sh(DOCKER.resolve("fetch-libtorch-cuda.sh").toString(), DOCKER.resolve("libtorch-cuda.sha256").toString(),
                    tmp.resolve("e").toString(), "http://127.0.0.1:1");
            assertThat(repo.output()).as("the repository's pins are empty: the CUDA build must say so").contains("pins nothing");
        }
    }

    record Run(int exit, String output) {}

    static Run sh(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("sh"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }

    static byte[] gzip(byte[] data) throws IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        }
        return bytes.toByteArray();
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    static String pomProperty(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)<").matcher(pom);
        assertThat(m.find()).as(name).isTrue();
        return m.group(1);
    }

    /** The lines of the Dockerfile's last stage (the image itself), continuations joined. */
    static List<String> finalStage(String name) throws IOException {
        List<String> lines = joinContinuations(Files.readAllLines(DOCKER.resolve(name)));
        int from = 0;
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).startsWith("FROM ")) from = i;
        return lines.subList(from, lines.size());
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
