package dev.sieve.review;

import java.util.Comparator;

/** How a bucket's grid is sorted. */
public enum ReviewOrder {
    /** Highest probability first: checks that the bucket's core is right. */
    CONFIDENT(Comparator.comparingDouble((ReviewImage i) -> Double.isNaN(i.probability()) ? Double.NEGATIVE_INFINITY : i.probability())
            .reversed().thenComparing(ReviewImage::id)),
    /** Smallest margin first: the images the model was least sure of, where mistakes gather. */
    BOUNDARY(Comparator.comparingDouble((ReviewImage i) -> Double.isNaN(i.margin()) ? Double.POSITIVE_INFINITY : i.margin())
            .thenComparing(ReviewImage::id));

    private final Comparator<ReviewImage> comparator;

    ReviewOrder(Comparator<ReviewImage> comparator) {
        this.comparator = comparator;
    }

    public Comparator<ReviewImage> comparator() {
        return comparator;
    }
}
