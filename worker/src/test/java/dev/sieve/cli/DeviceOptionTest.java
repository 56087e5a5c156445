package dev.sieve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --device}: cpu, gpu or gpu:N, and refused with a clear message when libtorch cannot honour it. */
class DeviceOptionTest {

    static Path repo() {
        return ScoreGoldenTest.repo();
    }

    /** Runs `sieve score` with the fixture models on one test image; returns the exit code and stderr. */
    static Result score(String device) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> args = List.of("score", "--json", "--device", device,
                "--clip", repo().resolve("models/fixtures/clip-tiny-336/clip-tiny-336.pt").toString(),
                "--heads-dir", repo().resolve("models/fixtures/heads").toString(),
                repo().resolve("worker/src/test/resources/image/cases/gif_500x400.gif").toString());
        int code = new CommandLine(new Sieve()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args.toArray(String[]::new));
        return new Result(code, out.toString(), err.toString());
    }

    record Result(int code, String out, String err) {}

    @Test
    void refusesAGpuLibtorchDoesNotSee() {
        // This machine has no GPU (and the CPU natives): gpu:1, as a pod given one nvidia.com/gpu would see it, is
        // refused before any model loads, with the count libtorch sees.
        Result r = score("gpu:1");
        assertThat(r.code()).as("stdout %s%nstderr %s", r.out(), r.err()).isNotZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("--device gpu:1").contains("libtorch sees 0 GPU");
    }

    @Test
    void refusesADeviceNameItDoesNotKnow() {
        for (String bad : List.of("cuda", "tpu", "gpu:x", "gpu:-1", "gpu:1:2")) {
            Result r = score(bad);
            assertThat(r.code()).as("%s: stdout %s%nstderr %s", bad, r.out(), r.err()).isNotZero();
            assertThat(r.err()).as(bad).contains("--device " + bad).contains("cpu, gpu or gpu:N");
        }
    }

    @Test
    void parsesCpuGpuAndGpuNAgainstTheGpusLibtorchSees() {
        assertThat(DeviceChoice.parse("cpu").check(0).isGpu()).isFalse();
        assertThat(DeviceChoice.parse("gpu").check(1).getDeviceId()).isZero();
        assertThat(DeviceChoice.parse("gpu:3").check(4).getDeviceId()).isEqualTo(3);
        assertThat(score("cpu").code()).isZero();
    }
}
