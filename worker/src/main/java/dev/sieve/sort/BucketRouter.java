package dev.sieve.sort;

import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.Tag;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one scored image into one record per bucket it belongs to, each carrying the sorter's tags (not the
 * worker's), and makes sure every bucket topic exists first. Reviewers' {@link Corrections} override the tag rules
 * head by head.
 */
public final class BucketRouter {
    private static final Logger LOG = LoggerFactory.getLogger(BucketRouter.class);

    private final TagRules rules;
    private final BucketTopics topics;
    private final AtomicLong images = new AtomicLong();
    private final AtomicLong untagged = new AtomicLong();
    private final AtomicLong routed = new AtomicLong();
    private final AtomicLong unroutable = new AtomicLong();
    private final AtomicLong corrected = new AtomicLong();
    private final AtomicLong removals = new AtomicLong();

    public BucketRouter(TagRules rules, BucketTopics topics) {
        this.rules = rules;
        this.topics = topics;
    }

    public List<Routed> route(String id, ScoredImage image) {
        return route(id, image, Corrections.none());
    }

    /** Routes a newly scored image: the rules' buckets with the image's corrections applied. */
    public List<Routed> route(String id, ScoredImage image, Corrections corrections) {
        images.incrementAndGet();
        List<Match> matches = corrections.apply(image, rules.matches(image));
        if (matches.isEmpty()) {
            untagged.incrementAndGet();
            return List.of();
        }
        List<Routed> out = toBuckets(id, image, matches);
        routed.addAndGet(out.size());
        return out;
    }

    /**
     * Where an image already routed belongs once its corrections changed: every bucket it belongs to now (the
     * caller writes only those it was not in before, and removal markers for those it left). Counted as a correction.
     */
    public List<Routed> reroute(String id, ScoredImage image, Corrections corrections) {
        corrected.incrementAndGet();
        return toBuckets(id, image, corrections.apply(image, rules.matches(image)));
    }

    /** Counts a removal marker written to a bucket the image left. */
    public void removed() {
        removals.incrementAndGet();
    }

    /** Counts a bucket record written by a reroute. */
    public void rerouted() {
        routed.incrementAndGet();
    }

    private List<Routed> toBuckets(String id, ScoredImage image, List<Match> matches) {
        if (matches.isEmpty()) return List.of();
        Set<Bucket> buckets = new LinkedHashSet<>();
        for (Match m : matches) buckets.add(m.bucket());
        List<Tag> tags = new ArrayList<>(buckets.size());
        for (Bucket b : buckets) tags.add(new Tag(b.head(), b.label()));
        ScoredImage tagged = ScoredImage.newBuilder(image).setTags(tags).build();
        List<Routed> out = new ArrayList<>(buckets.size());
        for (Bucket bucket : buckets) {
            try {
                String topic = BucketNames.topic(bucket);
                topics.ensure(bucket, topic);
                out.add(new Routed(topic, tagged));
            } catch (IllegalArgumentException e) {
                // A bad name is a property of the label, not of this record: failing the app would fail it again on
                // every restart at the same offset. The image still reaches its other buckets.
                unroutable.incrementAndGet();
                LOG.error("image {} not written to bucket {}: {}", id, bucket, e.getMessage());
            }
        }
        return out;
    }

    /** Counts so far; {@code undecodable} is 0 here (Kafka Streams counts those, see {@link SortApp#counts()}). */
    public SortCounts counts() {
        return new SortCounts(images.get(), untagged.get(), routed.get(), unroutable.get(), 0, corrected.get(), removals.get());
    }
}
