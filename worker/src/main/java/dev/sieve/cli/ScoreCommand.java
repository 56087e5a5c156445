package dev.sieve.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.sieve.StageException;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.Stage;
import dev.sieve.avro.StageTimings;
import dev.sieve.fetch.Fetched;
import dev.sieve.image.PreparedImage;
import dev.sieve.model.Head;
import dev.sieve.model.ImageScore;
import dev.sieve.work.Outcomes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Offline scoring of local files, without Kafka, through the worker's own decode, tile and inference code. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Score local image files without Kafka, exactly as a worker would.",
                "Exit status: 0 when every file was scored, 3 when some failed (each failure is reported and the rest go on)."},
        footer = {"", "Examples:",
                "  sieve score scripts/samples/*.jpg",
                "  sieve score --clip clip-vit-large-patch14-336.pt --head CCAnime-Compression-v1.5.safetensors --json a.png b.jpg"})
public final class ScoreCommand implements Callable<Integer> {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    @Spec CommandSpec spec;

    @Mixin ModelOptions models;

    @Option(names = "--json", description = "One JSON object per line per file instead of a table.")
    boolean json;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Image files to score.")
    List<Path> files;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        int failures = 0;
        try (ModelOptions.Loaded loaded = models.load(System.err)) {
            for (Path file : files) {
                try {
                    ScoredImage scored = score(loaded, file);
                    out.println(json ? GSON.toJson(jsonOf(file, scored)) : text(file, scored));
                } catch (StageException e) {
                    failures++;
                    out.println(json ? GSON.toJson(failureJson(file, e))
                            : file + "  FAILED " + e.stage() + "/" + e.code() + ": " + e.getMessage());
                }
                out.flush();
            }
        }
        return failures == 0 ? 0 : 3;
    }

    static ScoredImage score(ModelOptions.Loaded loaded, Path file) throws StageException {
        long t0 = System.nanoTime();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (OutOfMemoryError e) { // past 2 GiB, or past the heap: not an image sieve could decode anyway
            throw new StageException(Stage.FETCH, FailureCode.TOO_LARGE, "cannot hold " + file + " in memory: " + e);
        } catch (NoSuchFileException e) {
            throw new StageException(Stage.FETCH, FailureCode.NOT_FOUND, "no such file: " + file);
        } catch (IOException e) {
            throw new StageException(Stage.FETCH, FailureCode.NETWORK, "cannot read " + file + ": " + e.getMessage(), e);
        }
        long fetched = System.nanoTime() - t0;
        PreparedImage image;
        ImageScore score;
        // One file must never end the run: whatever escapes (a bug, or a heap too small for this image) becomes its
        // INTERNAL failure line, and the next file is scored.
        try {
            image = loaded.preparer().prepare(bytes, loaded.scorer().needsWholeImage());
        } catch (RuntimeException | OutOfMemoryError e) {
            throw Outcomes.internal(Stage.PREPROCESS, e);
        }
        try {
            score = loaded.scorer().score(List.of(image)).get(0);
        } catch (RuntimeException | OutOfMemoryError e) {
            throw Outcomes.internal(Stage.INFER, e);
        }
        ImageRef ref = ImageRef.newBuilder().setId(file.getFileName().toString())
                .setUri(file.toAbsolutePath().normalize().toUri().toString()).setSource("sieve score")
                .setAttributes(Map.of()).setProducedAt(Instant.now()).build();
        StageTimings timings = StageTimings.newBuilder().setFetchUs(fetched / 1000)
                .setDecodeUs(image.decodeNanos() / 1000).setPreprocessUs(image.preprocessNanos() / 1000)
                .setInferUs(score.inferNanos() / 1000).setTotalUs((System.nanoTime() - t0) / 1000).build();
        return Outcomes.scored(ref, image, score, loaded.clipModel(), "sieve-score", timings, Fetched.sha256(bytes), null);
    }

    /** The ScoredImage's fields, with each head keyed by its name: label → probability, or the score itself. */
    static Map<String, Object> jsonOf(Path file, ScoredImage s) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("file", file.toString());
        o.put("width", s.getWidth());
        o.put("height", s.getHeight());
        o.put("tiled", s.getTiled());
        Map<String, Object> heads = new LinkedHashMap<>();
        Map<String, Object> crops = new LinkedHashMap<>();
        for (HeadScore h : s.getHeads()) {
            heads.put(h.getName(), Head.of(h).summary(h));
            Map<String, List<Double>> perCrop = new LinkedHashMap<>();
            for (LabelScore l : h.getLabels()) perCrop.put(l.getLabel(), l.getCrops());
            crops.put(h.getName(), perCrop);
        }
        o.put("heads", heads);
        o.put("tags", s.getTags().stream().map(t -> t.getHead() + ":" + t.getLabel()).toList());
        o.put("crops", crops);
        return o;
    }

    static Map<String, Object> failureJson(Path file, StageException e) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("file", file.toString());
        o.put("stage", e.stage().toString());
        o.put("code", e.code().toString());
        o.put("message", e.getMessage());
        return o;
    }

    private static String text(Path file, ScoredImage s) {
        StringBuilder b = new StringBuilder();
        b.append(file).append("  ").append(s.getWidth()).append('x').append(s.getHeight())
                .append(s.getTiled() ? "  5 crops" : "  1 crop");
        for (HeadScore h : s.getHeads()) {
            b.append("\n  ").append(h.getName()).append(':');
            for (LabelScore l : h.getLabels()) b.append(String.format("  %s %.4f", l.getLabel(), l.getProbability()));
        }
        return b.toString();
    }
}
