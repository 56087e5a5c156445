package dev.sieve.review;

import java.util.List;

/**
 * One image as the review page shows it in one bucket.
 *
 * @param id image id
 * @param uri where the image is
 * @param head the bucket's head
 * @param revision the head's revision (empty when unknown), carried into corrections
 * @param label the bucket's label
 * @param probability the label's probability (the score, for score bands); NaN when unknown
 * @param margin distance to the decision boundary: the label's probability minus the best other label's (classifiers),
 *        or the distance to 0.5; smaller is less certain
 * @param labels every label of the head with its probability, in the head's order (empty when unknown)
 * @param crops the label's per-crop values, five_crop order
 * @param boxes where the crops fell (empty for an image scored whole)
 * @param width decoded width in pixels (0 when unknown)
 * @param height decoded height in pixels (0 when unknown)
 * @param perceptualHash the record's perceptual hash, for near-duplicate groups; null when unknown
 * @param exportedGroup the near-duplicate group {@code sieve export} wrote in the manifest the image was read from;
 *        null when read from the topics (the page works groups out from {@code perceptualHash})
 */
public record ReviewImage(String id, String uri, String head, String revision, String label, double probability, double margin,
                          List<LabelProbability> labels, List<Double> crops, List<CropBox> boxes, int width, int height,
                          Long perceptualHash, String exportedGroup) {

    public record LabelProbability(String label, double probability) {}

    /** An image read from the topics. */
    public ReviewImage(String id, String uri, String head, String revision, String label, double probability, double margin,
                       List<LabelProbability> labels, List<Double> crops, List<CropBox> boxes, int width, int height,
                       Long perceptualHash) {
        this(id, uri, head, revision, label, probability, margin, labels, crops, boxes, width, height, perceptualHash, null);
    }

    public ReviewImage {
        labels = List.copyOf(labels);
        crops = List.copyOf(crops);
        boxes = List.copyOf(boxes);
    }

    public ReviewImage inBucket(String newLabel) {
        double p = probability;
        for (LabelProbability l : labels) if (l.label().equals(newLabel)) p = l.probability();
        return new ReviewImage(id, uri, head, revision, newLabel, p, margin, labels, crops, boxes, width, height, perceptualHash,
                exportedGroup);
    }
}
