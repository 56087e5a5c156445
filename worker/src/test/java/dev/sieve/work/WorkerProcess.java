package dev.sieve.work;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * `sieve work` (or another sieve command: {@link #sieve}) as a separate OS process, started from the test JVM's own
 * classpath, so a test can stop it the way an orchestrator does: SIGTERM ({@link #terminate}) or SIGKILL
 * ({@link #kill()}). Its output goes to a log file (a pipe nobody reads would block it).
 */
public final class WorkerProcess {
    static final Path REPO = WorkerEndToEndTest.REPO;

    private final Process process;
    private final Path log;
    private final long logStart;

    private WorkerProcess(Process process, Path log, long logStart) {
        this.process = process;
        this.log = log;
        this.logStart = logStart;
    }

    /** Starts `sieve work` with the fixture models and {@code args}; the log goes to {@code log}. */
    static WorkerProcess start(Path log, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of("work",
                "--clip", WorkerEndToEndTest.CLIP.toString(),
                "--heads-dir", WorkerEndToEndTest.HEADS.toString()));
        command.addAll(args);
        return sieve(log, command);
    }

    /** Starts `sieve ARGS...` (the command first); the log goes to {@code log}. */
    public static WorkerProcess sieve(Path log, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC",
                "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "-cp", System.getProperty("java.class.path"),
                "dev.sieve.cli.Sieve"));
        command.addAll(args);
        Files.createDirectories(log.getParent());
        // A restarted worker appends to its predecessor's log: remember where this process's part begins.
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new WorkerProcess(p, log, logStart);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM without waiting: the worker drains while the test watches; {@link #terminate} then collects it. */
    void signalTerm() {
        process.destroy();
    }

    /** SIGTERM, then the exit code; -1 if it is still running after {@code seconds} (then it is killed). */
    public int terminate(long seconds) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            return -1;
        }
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hook, no drain, no commit — a node failure as the worker sees it. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** What this process (not an earlier one with the same log) has written so far. */
    public String log() throws IOException {
        if (!Files.exists(log)) return "";
        byte[] all = Files.readAllBytes(log);
        int from = (int) Math.min(logStart, all.length);
        return new String(all, from, all.length - from, java.nio.charset.StandardCharsets.UTF_8);
    }
}
