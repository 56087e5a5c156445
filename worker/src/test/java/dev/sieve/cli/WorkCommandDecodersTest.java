package dev.sieve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class WorkCommandDecodersTest {

    @Test
    void requireExactDecodersRefusesToStartOnTheImageIoFallbackBeforeLoadingAnyModel() {
        StringWriter err = new StringWriter();
        CommandLine cli = Sieve.commandLine();
        cli.setErr(new PrintWriter(err, true));
        long t0 = System.nanoTime();
        // Port 1 on loopback: nothing listens there, so a worker that got as far as Kafka would hang, not exit.
        int exit = cli.execute("work", "--require-exact-decoders", "--jpeg-decoder", "IMAGEIO", "--metrics-port", "0",
                "--bootstrap-servers", "127.0.0.1:1", "--clip", "/nonexistent/clip.pt");

        assertThat(exit).isNotZero();
        assertThat(err.toString()).contains("--require-exact-decoders").contains("JPEG imageio").contains("libturbojpeg0");
        assertThat((System.nanoTime() - t0) / 1e9).as("seconds: refused before loading CLIP or reaching Kafka").isLessThan(20);
    }
}
