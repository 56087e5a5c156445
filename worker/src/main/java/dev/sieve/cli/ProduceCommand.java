package dev.sieve.cli;

import dev.sieve.config.Setting;
import dev.sieve.config.Setting.Accepts;
import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.produce.ProduceConfig;
import dev.sieve.produce.ProduceProgress;
import dev.sieve.produce.ProduceResult;
import dev.sieve.produce.RefProducer;
import dev.sieve.produce.RefSource;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

/** `sieve produce`: publishes image references to images.in. */
@Command(name = "produce", mixinStandardHelpOptions = true, modelTransformer = SettingOptions.Install.class,
        description = {
            "Publishes image references (ImageRef) to Kafka, keyed by id. The id is derived from the URI "
                    + "(first 16 bytes of SHA-256 of its canonical form) unless a list gives one, so producing "
                    + "the same images twice gives the same ids.",
            "A folder is walked recursively (hidden files skipped) and every regular file is sent, so that the "
                    + "worker reports what is not an image; --images-only keeps .jpg .jpeg .png .webp .gif .bmp "
                    + ".tif .tiff. A path becomes a file: URI of its absolute path (the worker reads it only "
                    + "under its --file-root)."},
        footer = {"",
            "Examples:",
            "  sieve produce ~/datasets/anime                        # every file under the folder",
            "  sieve produce --images-only --attr set=v2 ~/datasets  # images only, attribute set=v2 on each",
            "  sieve produce https://example.com/a.jpg https://example.com/b.png",
            "  sieve produce --from-file urls.txt --source crawler-7  # one URI (or id<TAB>URI) a line",
            "  sieve produce --from-file laion.csv --url-column URL   # a table; other columns become attributes",
            "  sieve produce --from-tar /shards                        # img2dataset WebDataset shards (tar: refs)",
            "  grep -h '\\.png$' lists/*.txt | sieve produce --from-file -"},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:every input was sent and acknowledged", "1:some inputs were rejected or not acknowledged",
            "2:bad usage", "3:Kafka could not be reached"})
public final class ProduceCommand extends ConfiguredCommand {
    static final Setting<String> FROM_FILE = Setting.text("from-file", null).noDefault("none").paramLabel("FILE|-")
            .doc("Read references from FILE ('-': standard input), one a line: a URI, a path, or id<TAB>URI. Blank lines "
                    + "and lines starting with # are skipped.");
    static final Setting<Boolean> IMAGES_ONLY = Setting.flag("images-only")
            .doc("In folders, send only files with an image extension.");
    static final Setting<String> PROGRESS = Setting.text("progress", "auto").paramLabel("MODE")
            .accepts(Accepts.where(m -> List.of("auto", "line", "log", "none").contains(m), "auto, line, log or none"))
            .doc("On standard error. auto: a line redrawn in place on a terminal, a log line every 10000 refs or 5 s "
                    + "otherwise; both end with a summary line.");

    static final Setting<String> FORMAT = Setting.text("format", "auto").paramLabel("FORMAT")
            .accepts(Accepts.where(f -> List.of("auto", "lines", "csv", "jsonl").contains(f), "auto, lines, csv or jsonl"))
            .doc("How --from-file is read: lines (a URI, a path or id<TAB>URI a line), csv (a header row, RFC 4180 "
                    + "quoting) or jsonl (one JSON object a line); auto: csv for .csv, jsonl for .jsonl, .ndjson and "
                    + ".json, lines otherwise.");
    static final Setting<String> URL_COLUMN = Setting.text("url-column", "url").paramLabel("NAME")
            .doc("In csv and jsonl, the column (field) holding the image's URI or path; every other non-empty column "
                    + "becomes an attribute (values over 16 KiB cut; over 256 attributes or 64 KiB together rejects the row).");
    static final Setting<String> ID_COLUMN = Setting.text("id-column", null).noDefault("none (ids derived from the URIs)")
            .paramLabel("NAME").doc("In csv and jsonl, the column holding the id.");
    static final Setting<Path> FROM_TAR = Setting.path("from-tar", null).noDefault("none").paramLabel("SHARD|DIR")
            .doc("WebDataset shards as img2dataset writes them (a .tar file, or a folder of them): one tar: reference "
                    + "per image member (tar:file:///.../00000.tar#000000001.jpg; the worker reads it under its "
                    + "--file-root); the sample's .txt becomes the attribute caption, its .json's fields attributes.");

    /** Every setting of {@code sieve produce}; --attr and the inputs are picocli's own options. */
    static final Settings SETTINGS = Settings.of("produce", KafkaSettings.SETTINGS, ProduceConfig.SETTINGS, FROM_FILE,
            FORMAT, URL_COLUMN, ID_COLUMN, FROM_TAR, IMAGES_ONLY, PROGRESS);

    public ProduceCommand() {
        super(SETTINGS);
    }

    @Option(names = "--attr", paramLabel = "KEY=VALUE", description = "An attribute added to every reference (repeatable).")
    Map<String, String> attributes = new LinkedHashMap<>();

    @Parameters(paramLabel = "FOLDER|FILE|URI", arity = "0..*", description = "Folders, files and URIs to publish.")
    List<String> inputs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Values values = values();
        String fromFile = values.get(FROM_FILE);
        Path fromTar = values.get(FROM_TAR);
        if (inputs.isEmpty() && fromFile == null && fromTar == null) {
            throw new ParameterException(spec.commandLine(),
                    "nothing to produce: give folders, files or URIs, --from-file or --from-tar");
        }
        String listFormat = listFormat(fromFile, values.get(FORMAT));
        ProduceConfig config;
        try {
            config = ProduceConfig.of(KafkaSettings.of(values), values, attributes);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        ProduceProgress display = switch (values.get(PROGRESS)) {
            case "line" -> ProduceProgress.line(System.err);
            case "log" -> ProduceProgress.log(System.err);
            case "none" -> ProduceProgress.silent();
            default -> ProduceProgress.auto(System.err);
        };
        List<RefSource> sources = new ArrayList<>();
        if (!inputs.isEmpty()) sources.add(RefSource.arguments(inputs, values.get(IMAGES_ONLY)));
        if (fromTar != null) sources.add(RefSource.tarShards(fromTar));
        Reader list = null;
        try {
            if (fromFile != null) {
                if (fromFile.equals("-")) {
                    list = new InputStreamReader(System.in, StandardCharsets.UTF_8);
                    sources.add(listSource(listFormat, list, "stdin"));
                } else {
                    Path file = Path.of(fromFile);
                    if (!Files.isRegularFile(file)) {
                        throw new ParameterException(spec.commandLine(), "--from-file " + fromFile + ": no such file");
                    }
                    list = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                    sources.add(listSource(listFormat, list, fromFile));
                }
            }
            ProduceResult result;
            try (RefProducer producer = new RefProducer(config)) {
                result = producer.produce(RefSource.concat(sources), display);
            } catch (IllegalStateException e) {
                spec.commandLine().getErr().println("produce: " + e.getMessage());
                return 3;
            }
            for (String problem : result.problems()) {
                spec.commandLine().getErr().println("  " + problem);
            }
            long unlisted = result.failed() + result.rejected() - result.problems().size();
            if (unlisted > 0) spec.commandLine().getErr().println("  ... and " + unlisted + " more");
            return result.ok() ? 0 : 1;
        } finally {
            if (list != null && !fromFile.equals("-")) list.close();
        }
    }

    /** lines, csv or jsonl: --format, or for auto the file's extension. */
    private String listFormat(String fromFile, String format) {
        String name = fromFile == null ? "" : fromFile.toLowerCase(java.util.Locale.ROOT);
        return switch (format) {
            case "lines", "csv", "jsonl" -> format;
            case "auto" -> name.endsWith(".csv") ? "csv"
                    : name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json") ? "jsonl" : "lines";
            default -> throw new ParameterException(spec.commandLine(),
                    "Invalid option for --format: '" + format + "' (expected auto, lines, csv or jsonl)");
        };
    }

    private RefSource listSource(String listFormat, Reader reader, String name) {
        return listFormat.equals("lines") ? RefSource.uriList(reader, name)
                : RefSource.table(reader, name, listFormat.equals("jsonl"), values().get(URL_COLUMN), values().get(ID_COLUMN));
    }
}
