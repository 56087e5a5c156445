package dev.sieve.cli;

import ai.djl.Device;
import dev.sieve.avro.ClipModel;
import dev.sieve.avro.CropCombine;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.ImagePreparer;
import dev.sieve.model.CityHead;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.Scorer;
import dev.sieve.work.Outcomes;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Which models score the images and how: shared by `work`, `score` and `demo`. */
public final class ModelOptions {
    @Option(names = "--clip", paramLabel = "FILE",
            description = "CLIP image encoder as TorchScript, with preprocessor_config.json beside it "
                    + "(env SIEVE_CLIP). Default: the bundled random fixture models/fixtures/clip-tiny-336.")
    Path clip;

    @Option(names = "--head", paramLabel = "FILE",
            description = "A city96 head: <name>.safetensors (+ optional <name>.config.json beside it). Repeatable.")
    List<Path> heads = new ArrayList<>();

    @Option(names = "--heads-dir", paramLabel = "DIR",
            description = "Load every *.safetensors in DIR as a head (env SIEVE_HEADS_DIR). "
                    + "Default, when no --head is given: the bundled fixtures in models/fixtures/heads.")
    Path headsDir;

    @Option(names = "--device", defaultValue = "cpu",
            description = "cpu, gpu (the first GPU) or gpu:N (N from 0), refused when libtorch does not see that GPU. "
                    + "Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--combine", defaultValue = "MEAN",
            description = "How the five crops' probabilities combine: MEAN, MEDIAN, MAX or MIN. Default: ${DEFAULT-VALUE} (the reference's).")
    CropCombine combine;

    @Option(names = "--combine-head", paramLabel = "HEAD=RULE",
            description = "Crop combination for one head (its file name without .safetensors), overriding --combine: "
                    + "MEAN, MEDIAN, MAX or MIN. Repeatable, e.g. --combine-head CCAnime-ChromaticAberration-v1.16=max.")
    Map<String, CropCombine> combineHead = new LinkedHashMap<>();

    @Option(names = "--no-tiling", description = "Score the whole image only, never the five crops (the reference's tiling=False).")
    boolean noTiling;

    @Option(names = "--max-pixels", paramLabel = "N",
            description = "Refuse images with more pixels than N, read from the header before decoding (decompression-bomb guard). "
                    + "Default: 178956970, where Pillow itself refuses an image.")
    Long maxPixels;

    @Option(names = "--exif-orientation",
            description = "Rotate images by their EXIF orientation before scoring. Off by default, as in the reference.")
    boolean exifOrientation;

    @Option(names = "--jpeg-decoder", paramLabel = "AUTO|IMAGEIO", defaultValue = "AUTO",
            description = "JPEG decoder: AUTO uses libjpeg-turbo (Debian's libturbojpeg0; the library Pillow uses, so "
                    + "the reference's pixels) when it loads, else ImageIO; IMAGEIO always uses ImageIO. Default: ${DEFAULT-VALUE}.")
    DecodeOptions.JpegDecoder jpegDecoder = DecodeOptions.JpegDecoder.AUTO;

    @Option(names = "--dct-scaling",
            description = "Decode large JPEGs at M/8 size in libjpeg-turbo when still at least the size the next resize "
                    + "makes: faster, a small fidelity cost (docs/fidelity.md). Off by default.")
    boolean dctScaling;

    /** The loaded models; close it to free native memory. */
    public record Loaded(ClipEmbedder clip, List<CityHead> heads, Scorer scorer, ImagePreparer preparer, ClipModel clipModel)
            implements AutoCloseable {
        @Override
        public void close() {
            scorer.close(); // closes the embedder and the heads too
        }
    }

    /**
     * Everything besides the CLIP file that decides a result, for {@code --dedup}'s key: the heads' bytes, how crops
     * are combined, tiling and decoding.
     */
    String resultSettings() {
        StringBuilder settings = new StringBuilder();
        List<Path> headFiles = new ArrayList<>(heads);
        if (headFiles.isEmpty()) headFiles.addAll(headsIn(headsDir != null ? headsDir : envPath("SIEVE_HEADS_DIR", Home.fixtureHeads())));
        for (Path h : headFiles.stream().sorted().toList()) {
            try {
                settings.append(h.getFileName()).append('=').append(dev.sieve.fetch.Fetched.sha256(java.nio.file.Files.readAllBytes(h))).append(' ');
            } catch (IOException e) {
                settings.append(h).append(' ');
            }
        }
        return settings.append("combine=").append(combine).append(' ').append(combineHead).append(" tiling=").append(!noTiling)
                .append(" maxPixels=").append(maxPixels).append(" exif=").append(exifOrientation).append(" jpeg=")
                .append(jpegDecoder).append(" dct=").append(dctScaling).toString();
    }

    public Loaded load(PrintStream log) {
        Path clipPath = clip != null ? clip : envPath("SIEVE_CLIP", Home.fixtureClip());
        List<Path> headFiles = new ArrayList<>(heads);
        if (headFiles.isEmpty()) headFiles.addAll(headsIn(headsDir != null ? headsDir : envPath("SIEVE_HEADS_DIR", Home.fixtureHeads())));
        if (headFiles.isEmpty()) throw new IllegalArgumentException("no heads: give --head FILE or --heads-dir DIR");
        Device dev = DeviceChoice.parse(device).resolve();
        long t0 = System.nanoTime();
        try {
            ClipEmbedder embedder = ClipEmbedder.load(clipPath, dev);
            List<CityHead> loaded = new ArrayList<>();
            for (Path h : headFiles) loaded.add(CityHead.load(h, dev));
            Scorer scorer;
            try {
                scorer = new Scorer(embedder, loaded, combine, combineHead);
            } catch (RuntimeException e) {
                for (CityHead h : loaded) h.close();
                embedder.close();
                throw e;
            }
            DecodeOptions defaults = DecodeOptions.defaults();
            DecodeOptions decode = new DecodeOptions(maxPixels != null ? maxPixels : defaults.maxPixels(), exifOrientation,
                    jpegDecoder, dctScaling);
            ImagePreparer preparer = new ImagePreparer(embedder.preprocessing(), decode, !noTiling);
            ClipModel info = Outcomes.clipModel(embedder.id(), embedder.digest(), embedder.preprocessing().size());
            log.printf("loaded CLIP %s (%s, input %d, sha256 %s…) and %d head(s) %s on %s in %.1f s%n",
                    embedder.id(), embedder.precision().name().toLowerCase(java.util.Locale.ROOT),
                    embedder.preprocessing().size(), embedder.digest().substring(0, 12), loaded.size(),
                    loaded.stream().map(CityHead::name).toList(), device, (System.nanoTime() - t0) / 1e9);
            if (clipPath.toString().contains("fixtures")) {
                log.println("note: these are the bundled random fixture models; their scores mean nothing. "
                        + "See models/README.md for the real ones.");
            }
            return new Loaded(embedder, loaded, scorer, preparer, info);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    private static Path envPath(String env, Path fallback) {
        String v = System.getenv(env);
        return v == null || v.isBlank() ? fallback : Path.of(v);
    }

    private static List<Path> headsIn(Path dir) {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("heads directory " + dir + " does not exist");
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.safetensors")) {
            s.forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(null);
        return out;
    }
}
