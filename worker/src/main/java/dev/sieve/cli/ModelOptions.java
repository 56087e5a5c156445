package dev.sieve.cli;

import ai.djl.Device;
import dev.sieve.avro.ClipModel;
import dev.sieve.avro.CropCombine;
import dev.sieve.config.Setting;
import dev.sieve.config.Setting.Accepts;
import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.image.ImagePreparer;
import dev.sieve.model.CityHead;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.DevicePreprocessor;
import dev.sieve.image.device.PreprocessOn;
import dev.sieve.model.HeadFolder;
import dev.sieve.model.Scorer;
import dev.sieve.work.Outcomes;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Which models score the images and how: shared by `work`, `score` and `demo` (a picocli mixin whose scalar options are
 * the settings table {@link #SETTINGS}).
 */
@Command(modelTransformer = SettingOptions.Install.class)
public final class ModelOptions implements SettingOptions.Holder {
    static final Setting<Path> CLIP = Setting.path("clip", null).env("SIEVE_CLIP").paramLabel("FILE")
            .computedDefault("the bundled random fixture models/fixtures/clip-tiny-336", () -> Home.fixtureClip().toString())
            .doc("CLIP image encoder as TorchScript, with preprocessor_config.json beside it.");
    static final Setting<Path> HEADS_DIR = Setting.path("heads-dir", null).env("SIEVE_HEADS_DIR").paramLabel("DIR")
            .noDefault("the bundled fixtures in models/fixtures/heads, when no --head is given")
            .doc("Load the heads in DIR: of each head family (<family>-<rev>.safetensors + .config.json), the newest "
                    + "revision that loads.");
    static final Setting<String> DEVICE = Setting.text("device", "cpu")
            .doc("cpu, gpu (the first GPU) or gpu:N (N from 0), refused when libtorch does not see that GPU.");
    static final Setting<PreprocessOn> PREPROCESS_ON = Setting.choice("preprocess-on", PreprocessOn.HOST)
            .noDefault("DEVICE with --device gpu, HOST on the CPU").paramLabel("HOST|DEVICE")
            .doc("Where the 1536 step, five_crop and CLIP's resize, crop and normalisation run: HOST (the worker's "
                    + "cores) or DEVICE (where CLIP runs, bit-exact with HOST; decoding stays on the host, and a mode "
                    + "the device step lacks, such as CMYK or 16-bit grey, is prepared on the host).");
    static final Setting<CropCombine> COMBINE = Setting.choice("combine", CropCombine.MEAN)
            .doc("How the five crops' probabilities combine (MEAN is the reference's).");
    static final Setting<Boolean> NO_TILING = Setting.flag("no-tiling")
            .doc("Score the whole image only, never the five crops (the reference's tiling=False).");
    static final Setting<Long> MAX_PIXELS = Setting.longValue("max-pixels", 2 * DecodeOptions.PILLOW_MAX_IMAGE_PIXELS)
            .accepts(Accepts.between(1L, DecodeOptions.MAX_MAX_PIXELS)).paramLabel("N")
            .doc("Refuse images with more pixels than N, read from the header before decoding (decompression-bomb "
                    + "guard); the default is where Pillow itself refuses an image.");
    static final Setting<Boolean> EXIF_ORIENTATION = Setting.flag("exif-orientation")
            .doc("Rotate images by their EXIF orientation before scoring (off, as in the reference).");
    static final Setting<DecodeOptions.JpegDecoder> JPEG_DECODER = Setting.choice("jpeg-decoder", DecodeOptions.JpegDecoder.AUTO)
            .doc("AUTO uses libjpeg-turbo (Debian's libturbojpeg0; the library Pillow uses, so the reference's pixels) "
                    + "when it loads, else ImageIO; IMAGEIO always uses ImageIO.");
    static final Setting<Boolean> DCT_SCALING = Setting.flag("dct-scaling")
            .doc("Decode large JPEGs at M/8 size in libjpeg-turbo when still at least the size the next resize makes: "
                    + "faster, a small fidelity cost (docs/fidelity.md).");

    /** The model settings of work, score and demo; --head and --combine-head are repeatable picocli options. */
    static final Settings SETTINGS = Settings.of("model", CLIP, HEADS_DIR, DEVICE, PREPROCESS_ON, COMBINE, NO_TILING, MAX_PIXELS,
            EXIF_ORIENTATION, JPEG_DECODER, DCT_SCALING);

    private final SettingOptions settings = new SettingOptions(SETTINGS);

    @Option(names = "--head", paramLabel = "FILE",
            description = "A city96 head: <name>.safetensors (+ optional <name>.config.json beside it). Repeatable.")
    List<Path> heads = new ArrayList<>();

    @Option(names = "--combine-head", paramLabel = "HEAD=RULE",
            description = "Crop combination for one head (its file name without .safetensors), overriding --combine: "
                    + "MEAN, MEDIAN, MAX or MIN. Repeatable, e.g. --combine-head CCAnime-ChromaticAberration-v1.16=max.")
    Map<String, CropCombine> combineHead = new LinkedHashMap<>();

    @Override
    public SettingOptions settingOptions() {
        return settings;
    }

    /** The JPEG decoder asked for (the worker probes it before loading anything). */
    DecodeOptions.JpegDecoder jpegDecoder() {
        return settings.values().get(JPEG_DECODER);
    }

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
        Optional<Path> folder = headsFolder();
        if (folder.isPresent()) {
            try (java.util.stream.Stream<Path> files = Files.list(folder.get())) {
                files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).forEach(headFiles::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list the heads in " + folder.get() + ": " + e.getMessage(), e);
            }
        }
        for (Path h : headFiles.stream().sorted().toList()) {
            try {
                settings.append(h.getFileName()).append('=').append(dev.sieve.fetch.Fetched.sha256(Files.readAllBytes(h))).append(' ');
            } catch (IOException e) {
                settings.append(h).append(' ');
            }
        }
        Values values = this.settings.values();
        return settings.append("combine=").append(values.get(COMBINE)).append(' ').append(combineHead)
                .append(" tiling=").append(!values.get(NO_TILING)).append(" maxPixels=").append(values.get(MAX_PIXELS))
                .append(" exif=").append(values.get(EXIF_ORIENTATION)).append(" jpeg=").append(values.get(JPEG_DECODER))
                .append(" dct=").append(values.get(DCT_SCALING)).toString();
    }

    public Loaded load(PrintStream log) {
        return load(log, false);
    }

    /** Whether the five crops are cut (--no-tiling not given). */
    boolean tiling() {
        return !settings.values().get(NO_TILING);
    }

    /** @param keepEmbeddings hand each image's embeddings back with its score (sieve work --embeddings) */
    public Loaded load(PrintStream log, boolean keepEmbeddings) {
        Values values = settings.values();
        Path clipPath = values.get(CLIP);
        Optional<Path> folder = headsFolder();
        if (folder.isPresent() && !Files.isDirectory(folder.get())) throw new IllegalArgumentException("heads directory " + folder.get() + " does not exist");
        String device = values.get(DEVICE);
        Device dev = device();
        long t0 = System.nanoTime();
        try {
            ClipEmbedder embedder = ClipEmbedder.load(clipPath, dev);
            List<CityHead> loaded = new ArrayList<>();
            try {
                if (folder.isPresent()) loaded.addAll(HeadFolder.loadNewest(folder.get(), dev, log));
                for (Path h : heads) loaded.add(CityHead.load(h, dev));
            } catch (IOException | RuntimeException e) {
                loaded.forEach(CityHead::close);
                embedder.close();
                throw e;
            }
            if (loaded.isEmpty()) {
                embedder.close();
                throw new IllegalArgumentException("no heads: give --head FILE or --heads-dir DIR");
            }
            PreprocessOn where = preprocessOn(dev);
            Scorer scorer;
            DevicePreprocessor step = null;
            try {
                if (where == PreprocessOn.DEVICE) step = DevicePreprocessor.load(dev, embedder.preprocessing());
                scorer = new Scorer(embedder, loaded, values.get(COMBINE), combineHead, step, keepEmbeddings);
            } catch (IOException | RuntimeException e) {
                if (step != null) step.close();
                for (CityHead h : loaded) h.close();
                embedder.close();
                throw e;
            }
            DecodeOptions decode = new DecodeOptions(values.get(MAX_PIXELS), values.get(EXIF_ORIENTATION),
                    values.get(JPEG_DECODER), values.get(DCT_SCALING));
            ImagePreparer preparer = new ImagePreparer(embedder.preprocessing(), decode, !values.get(NO_TILING), where);
            ClipModel info = Outcomes.clipModel(embedder.id(), embedder.digest(), embedder.preprocessing().size());
            log.printf("loaded CLIP %s (%s, input %d, sha256 %s…) and %d head(s) %s on %s in %.1f s%n",
                    embedder.id(), embedder.precision().name().toLowerCase(java.util.Locale.ROOT),
                    embedder.preprocessing().size(), embedder.digest().substring(0, 12), loaded.size(),
                    loaded.stream().map(CityHead::name).toList(), device, (System.nanoTime() - t0) / 1e9);
            log.printf("preprocessing on the %s%n", where == PreprocessOn.DEVICE ? "model's device (" + device + ")"
                    : "host");
            if (clipPath.toString().contains("fixtures")) {
                log.println("note: these are the bundled random fixture models; their scores mean nothing. "
                        + "See models/README.md for the real ones.");
            }
            return new Loaded(embedder, loaded, scorer, preparer, info);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** --preprocess-on, or its default for the device. */
    PreprocessOn preprocessOn(Device dev) {
        PreprocessOn given = settings.values().get(PREPROCESS_ON);
        return given != null ? given : PreprocessOn.defaultFor(dev.isGpu());
    }

    /** The folder the heads come from; empty when they are given as files (--head). */
    public Optional<Path> headsFolder() {
        Path dir = settings.values().get(HEADS_DIR);
        return heads.isEmpty() ? Optional.of(dir != null ? dir : Home.fixtureHeads()) : Optional.empty();
    }

    /** --combine: how the five crops' probabilities combine, for heads without their own --combine-head. */
    CropCombine combine() {
        return settings.values().get(COMBINE);
    }

    public Device device() {
        return DeviceChoice.parse(settings.values().get(DEVICE)).resolve();
    }
}
