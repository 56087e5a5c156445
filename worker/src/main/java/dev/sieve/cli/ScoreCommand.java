package dev.sieve.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.sieve.StageException;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.ScoredImage;
import dev.sieve.fetch.FetchConfig;
import dev.sieve.fetch.ImageFetcher;
import dev.sieve.model.Head;
import dev.sieve.work.ImagePipeline;
import dev.sieve.work.Outcome;
import dev.sieve.work.WorkerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Offline scoring of local files, without Kafka, through the worker's own {@link ImagePipeline}. */
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
        // The worker's own path with no Kafka: the outcomes' records are never written, so the servers named here are
        // never contacted. Any file is readable (the root is /); one over a quarter of the heap is TOO_LARGE before it
        // is read, where reading it would end in an OutOfMemoryError.
        WorkerConfig config = WorkerConfig.defaults("sieve-score.invalid:9092").withWorkerId("sieve-score");
        FetchConfig local = FetchConfig.defaults().withFileRoot(Path.of("/"))
                .withMaxBytes(Math.min(FetchConfig.MAX_BYTES_LIMIT, Runtime.getRuntime().maxMemory() / 4));
        try (ModelOptions.Loaded loaded = models.load(System.err);
             ImageFetcher reader = new ImageFetcher(local);
             ImagePipeline pipeline = new ImagePipeline(config, reader, loaded.preparer(), loaded.scorer(),
                     loaded.clipModel())) {
            // Several files in flight keep the prepare threads and the model busy; lines still come in file order.
            Deque<Map.Entry<Path, CompletableFuture<Outcome>>> window = new ArrayDeque<>();
            for (Path file : files) {
                window.add(Map.entry(file, pipeline.process(ref(file))));
                if (window.size() >= config.maxInFlight()) failures += print(out, window.poll());
            }
            while (!window.isEmpty()) failures += print(out, window.poll());
        }
        return failures == 0 ? 0 : 3;
    }

    /** The reference a worker would get for the file. */
    static ImageRef ref(Path file) {
        return ImageRef.newBuilder().setId(String.valueOf(file.getFileName()))
                .setUri(file.toAbsolutePath().normalize().toUri().toString()).setSource("sieve score")
                .setAttributes(Map.of()).setProducedAt(Instant.now()).build();
    }

    /** Prints the file's line once its outcome is in; 1 when it failed. */
    private int print(PrintWriter out, Map.Entry<Path, CompletableFuture<Outcome>> next) {
        Path file = next.getKey();
        Outcome outcome = next.getValue().join();
        if (outcome instanceof Outcome.Failed f) {
            StageException e = f.why();
            out.println(json ? GSON.toJson(failureJson(file, e))
                    : file + "  FAILED " + e.stage() + "/" + e.code() + ": " + e.getMessage());
        } else {
            ScoredImage scored = ((Outcome.Scored) outcome).scored();
            out.println(json ? GSON.toJson(jsonOf(file, scored)) : text(file, scored));
        }
        out.flush();
        return outcome instanceof Outcome.Failed ? 1 : 0;
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
