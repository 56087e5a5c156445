package dev.sieve.work;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * `sieve work` as a separate OS process, started from the test JVM's own classpath, so a test can stop it the way
 * an orchestrator does: SIGTERM ({@link #terminate()}) or SIGKILL ({@link #kill()}). Its output goes to a log
 * file (a pipe nobody reads would block it).
 */
final class WorkerProcess {
    static final Path REPO = WorkerEndToEndTest.REPO;

    private final Process process;
    private final Path log;

    private WorkerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts `sieve work` with the fixture models and {@code args}; the log goes to {@code log}. */
    static WorkerProcess start(Path log, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC",
                "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "-cp", System.getProperty("java.class.path"),
                "dev.sieve.cli.Sieve", "work",
                "--clip", WorkerEndToEndTest.CLIP.toString(),
                "--heads-dir", WorkerEndToEndTest.HEADS.toString()));
        command.addAll(args);
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new WorkerProcess(p, log);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM, then the exit code; -1 if it is still running after {@code seconds} (then it is killed). */
    int terminate(long seconds) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            return -1;
        }
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hook, no drain, no commit — a node failure as the worker sees it. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }
}
