package dev.sieve.export;

import java.nio.file.Path;
import java.util.List;

/**
 * What an export did.
 *
 * @param recordsRead records read from Kafka
 * @param duplicates records dropped because their image was already in the bucket (re-delivered or re-scored)
 * @param undecodable records that were not a ScoredImage, or sat in a matched topic that is not a bucket topic: skipped
 * @param linked {@code file:} images linked (or copied) into bucket folders; an image in three buckets counts three
 * @param fetched http(s) images saved through the fetch hook
 * @param listedOnly http(s) images listed in a manifest only (no fetch hook, or the fetch failed)
 * @param removed images taken out of a bucket again by the sorter's removal marker (the image moved)
 * @param missing {@code file:} images whose file did not exist, unparsable URIs and other schemes: listed in the manifest only
 * @param refused {@code file:} images the file root refused (outside it, a link swapped in, no root given): listed only
 * @param failed images (or whole bucket folders) that could not be written into the export folder
 * @param problems every {@code file:} image not placed and why, as written to {@code problems.tsv}
 */
public record ExportResult(Path out, long recordsRead, long duplicates, long undecodable, long linked, long fetched,
                           long listedOnly, long missing, long removed, long refused, long failed,
                           List<ExportProblem> problems, DistributionReport report) {
    public ExportResult {
        problems = List.copyOf(problems);
    }
}
