package dev.sieve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sieve score} goes on past a file it cannot score: each file gets its line, the next ones are scored. */
class ScoreCommandTest {
    @TempDir
    Path tmp;

    @Test
    void anExtremeAspectRatioFailsWithItsCodeAndTheNextFilesAreStillScored() throws Exception {
        Path thin = tmp.resolve("thin-1x1000000.png");
        Files.write(thin, dev.sieve.image.ExtremeAspectRatioTest.twoColours(1, 1_000_000));
        Path good = ScoreGoldenTest.repo().resolve("worker/src/test/resources/image/cases/l_500x350.png");
        List<String> args = new ArrayList<>(List.of("score", "--json",
                "--clip", ScoreGoldenTest.repo().resolve("models/fixtures/clip-tiny-336/clip-tiny-336.pt").toString(),
                "--heads-dir", ScoreGoldenTest.repo().resolve("models/fixtures/heads").toString(),
                thin.toString(), good.toString()));
        StringWriter out = new StringWriter();
        int code = new CommandLine(new Sieve()).setOut(new PrintWriter(out, true)).execute(args.toArray(String[]::new));

        List<JsonObject> lines = Arrays.stream(out.toString().split("\n")).filter(l -> !l.isBlank())
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
        assertThat(code).as("some failed; output:%n%s", out).isEqualTo(3);
        assertThat(lines).as(out.toString()).hasSize(2);
        assertThat(lines.get(0).get("file").getAsString()).isEqualTo(thin.toString());
        assertThat(lines.get(0).get("code").getAsString()).isEqualTo("TOO_MANY_PIXELS");
        assertThat(lines.get(1).get("file").getAsString()).isEqualTo(good.toString());
        assertThat(lines.get(1).has("heads")).as(lines.get(1).toString()).isTrue();
    }
}
