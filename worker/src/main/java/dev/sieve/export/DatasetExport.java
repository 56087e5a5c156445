package dev.sieve.export;

import dev.sieve.avro.Correction;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.ScoredImage;
import dev.sieve.fetch.FileRoot;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.TopicReader;
import dev.sieve.model.Head;
import dev.sieve.sort.CuratedLabels;
import dev.sieve.sort.NearDuplicateGroups;
import dev.sieve.sort.NearDuplicates;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.common.errors.SerializationException;

/**
 * {@code sieve export --dataset}: the training layout of city96's CityClassifiers ({@code dataset.py}): per classifier
 * head, one folder per class named {@code <label index>_<label>} ({@code 0_Pass}, {@code 1_JPEG}; the trainer reads
 * the class from the number before the first {@code _}) holding the images ({@code .png .jpg .jpeg .webp .gif}, the
 * extensions its {@code ImageDataset} accepts), plus {@code report.txt} with the seed card's distribution and class
 * ratios. An image's class is the reviewer's correction when there is one (an excluded image is left out), else the
 * sorter's rule (top label, or with thresholds the matching label of highest probability). Score heads are skipped.
 * Files are read through the {@link dev.sieve.fetch.FileRoot} (the worker's rules, applied now); an image that cannot
 * be placed is counted as skipped and written to {@code problems.tsv} with why, and the export goes on.
 *
 * <p>With {@code --one-per-group}, near-duplicates ({@link NearDuplicates}, groups over every scored image) enter a
 * head's folders once: the image kept is the group's smallest id among those the head gives a class (an excluded copy
 * neither counts nor is kept, but still joins its neighbours into one group); the others are left out, whatever class
 * they have, and counted as near-duplicates, so a training set counts a picture once.
 */
public final class DatasetExport {
    /** Extensions city96's ImageDataset reads (it compares them case-sensitively, so names are written lower-case). */
    static final Set<String> IMAGE_EXTENSIONS = Set.of(".png", ".jpg", ".jpeg", ".webp", ".gif");

    /**
     * @param images images placed in class folders (one image in two heads counts twice)
     * @param excluded images left out because a reviewer excluded them
     * @param corrected images whose class came from a correction
     * @param skipped images with no class, an unknown corrected label, a non-local or missing file, or another extension
     * @param reports per head, its report text
     * @param problems the {@code file:} images that were not placed and why (also in {@code problems.tsv})
     * @param nearDuplicates images left out by {@code --one-per-group} (one image in two heads counts twice)
     */
    public record Result(long images, long excluded, long corrected, long skipped, Map<String, String> reports,
                         List<ExportProblem> problems, long nearDuplicates) {}

    private DatasetExport() {}

    public static Result run(ExportConfig config, String correctionsTopic, KafkaSettings kafka, PrintStream progress) {
        TopicReader snapshot = new TopicReader(kafka, "sieve-export", config.stallTimeout(), progress);
        CuratedLabels curated = CuratedLabels.read(snapshot, kafka, config.scoredTopic(), correctionsTopic, config.rules());
        // head -> class folder -> entries
        Map<String, Map<Integer, Map<String, ScoredImage>>> classes = new TreeMap<>();
        Map<String, List<String>> labelsByHead = new TreeMap<>();
        long excluded = 0, corrected = 0, skipped = 0;
        for (ScoredImage image : curated.images()) {
            String id = image.getRef().getId();
            for (Map.Entry<HeadScore, CuratedLabels.Curated> e : curated.classes(image).entrySet()) {
                HeadScore head = e.getKey();
                labelsByHead.putIfAbsent(head.getName(), head.getLabels().stream().map(LabelScore::getLabel).toList());
                CuratedLabels.Curated c = e.getValue();
                if (c instanceof CuratedLabels.Excluded) {
                    excluded++;
                } else if (c instanceof CuratedLabels.Labelled l) {
                    if (l.corrected()) corrected++;
                    classes.computeIfAbsent(head.getName(), h -> new TreeMap<>()).computeIfAbsent(l.index(), k -> new TreeMap<>()).put(id, image);
                } else {
                    skipped++;
                }
            }
        }
        long nearDuplicates = config.onePerGroup() ? keepOnePerGroup(curated, classes, config.nearDuplicateDistance(), progress) : 0;
        Map<String, String> reports = new TreeMap<>();
        List<ExportProblem> problems = new ArrayList<>();
        BucketWriter writer = new BucketWriter(config.out(), new FilePlacer(FileRoot.of(config.fileRoot()), config.files()),
                Optional.empty(), BucketWriter.localFilesWith(IMAGE_EXTENSIONS), problems);
        long placed = 0;
        try {
            for (Map.Entry<String, Map<Integer, Map<String, ScoredImage>>> head : classes.entrySet()) {
                Path headDir = Path.of(PathSegments.of(head.getKey()));
                List<String> labels = labelsByHead.get(head.getKey());
                Map<String, Long> folderCounts = new LinkedHashMap<>();
                for (Map.Entry<Integer, Map<String, ScoredImage>> cls : head.getValue().entrySet()) {
                    String folder = cls.getKey() + "_" + PathSegments.of(labels.get(cls.getKey()));
                    List<BucketWriter.Row> rows = cls.getValue().values().stream()
                            .map(image -> new BucketWriter.Row(image.getRef().getId(), image.getRef().getUri(), List.of()))
                            .toList();
                    Map<BucketWriter.Placement, Long> placements = writer.write(headDir.resolve(folder), List.of("id", "uri"), rows);
                    long n = placements.getOrDefault(BucketWriter.Placement.PLACED, 0L);
                    skipped += rows.size() - n;
                    folderCounts.put(folder, n);
                    placed += n;
                }
                String report = report(folderCounts);
                Files.writeString(config.out().resolve(headDir).resolve("report.txt"), report, StandardCharsets.UTF_8);
                reports.put(head.getKey(), report);
                progress.printf("%s (%s):%n%s", head.getKey(), config.out().resolve(headDir), report);
            }
            Files.createDirectories(config.out());
            ExportProblem.writeAll(config.out(), problems);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the dataset under " + config.out() + ": " + e.getMessage(), e);
        }
        progress.printf("dataset: %d images placed, %d corrected by reviewers, %d excluded, %d skipped (%d not placed: see %s)%s%n",
                placed, corrected, excluded, skipped, problems.size(), config.out().resolve("problems.tsv"),
                config.onePerGroup() ? ", " + nearDuplicates + " dropped as near-duplicates (one per group kept)" : "");
        return new Result(placed, excluded, corrected, skipped, reports, problems, nearDuplicates);
    }

    /**
     * Takes out of {@code classes} every image whose head already keeps another of its near-duplicate group, and returns
     * how many it took out.
     */
    private static long keepOnePerGroup(CuratedLabels curated, Map<String, Map<Integer, Map<String, ScoredImage>>> classes,
                                        int distance, PrintStream progress) {
        List<NearDuplicates.Hashed> hashed = new ArrayList<>();
        for (ScoredImage image : curated.images()) hashed.add(new NearDuplicates.Hashed(image.getRef().getId(), image.getPerceptualHash()));
        NearDuplicateGroups groups = NearDuplicates.group(hashed, distance);
        int groupCount = groups.groups().size();
        long dropped = 0;
        for (Map.Entry<String, Map<Integer, Map<String, ScoredImage>>> head : classes.entrySet()) {
            // The smallest id of each group among the images this head placed in a class.
            Map<String, String> kept = new TreeMap<>();
            head.getValue().values().forEach(images -> images.keySet().forEach(id -> kept.merge(groups.groupOf(id), id,
                    (a, b) -> a.compareTo(b) <= 0 ? a : b)));
            long before = dropped;
            for (Map<String, ScoredImage> images : head.getValue().values()) {
                int size = images.size();
                images.keySet().removeIf(id -> !kept.get(groups.groupOf(id)).equals(id));
                dropped += size - images.size();
            }
            head.getValue().values().removeIf(Map::isEmpty); // no folder for a class whose every image was a copy
            progress.printf("%s: %d near-duplicates left out (%d groups of two or more among %d scored images, distance %d)%n",
                    head.getKey(), dropped - before, groupCount, hashed.size(), distance);
        }
        return dropped;
    }

    /**
     * The seed card's "Final dataset score distribution" for one head: a line per class folder, then "Class ratios" per
     * class index written with two digits ({@code 00 - 2200 |||...}); bars are {@code floor(40 * count / images)}.
     */
    static String report(Map<String, Long> folderCounts) {
        long total = folderCounts.values().stream().mapToLong(Long::longValue).sum();
        Map<Integer, Long> byClass = new TreeMap<>();
        folderCounts.forEach((folder, n) -> byClass.merge(Integer.parseInt(folder.substring(0, folder.indexOf('_'))), n, Long::sum));
        StringBuilder s = new StringBuilder("Final dataset score distribution:\n").append(total).append(" images in dataset.\n");
        folderCounts.forEach((folder, n) -> s.append(DistributionReport.line(folder, n, total)).append('\n'));
        s.append("Class ratios:\n");
        byClass.forEach((cls, n) -> s.append(DistributionReport.line(String.format(Locale.ROOT, "%02d", cls), n, total)).append('\n'));
        return s.toString();
    }
}
