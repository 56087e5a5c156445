package dev.sieve.sort;

import dev.sieve.avro.HeadScore;
import dev.sieve.avro.ScoredImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.TopicReader;
import dev.sieve.kafka.Topics;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The buckets as they stand: per bucket, the images whose last record on its topic is not a removal marker. Bucket
 * topics are append-only, so a reader replays them; an image's records on one topic share its key, hence a partition,
 * hence their order. Keyed by head family too, since a re-score by the next revision moves an image into the new
 * revision's buckets and leaves a marker in the old ones.
 */
public final class BucketMembers {
    private static final AvroSerde<ScoredImage> SERDE = AvroSerde.of(ScoredImage.class);

    private final Map<Bucket, Set<String>> members = new TreeMap<>();
    private final Map<String, String> familyOfHead = new HashMap<>();

    private BucketMembers() {}

    /** Every bucket topic read to its end (committed records only). */
    public static BucketMembers read(TopicReader reader) {
        BucketMembers out = new BucketMembers();
        reader.read(Pattern.compile(Pattern.quote(Topics.BUCKET_PREFIX) + ".*"), r -> {
            Optional<Bucket> bucket = BucketNames.parse(r.topic());
            if (bucket.isEmpty() || r.key() == null) return;
            Set<String> ids = out.members.computeIfAbsent(bucket.get(), b -> new LinkedHashSet<>());
            if (r.value() == null) {
                ids.remove(r.key());
                return;
            }
            ids.add(r.key());
            if (!out.familyOfHead.containsKey(bucket.get().head())) {
                for (HeadScore h : SERDE.decode(r.value()).getHeads()) {
                    out.familyOfHead.put(h.getName(), HeadFamily.of(h.getName(), h.getRevision()));
                }
            }
        });
        return out;
    }

    /** Each bucket (head and label) with the images in it now; buckets every image left are listed empty. */
    public Map<Bucket, Set<String>> byBucket() {
        return Collections.unmodifiableMap(members);
    }

    /** The family of a bucket's head ({@link HeadFamily}); the head's own name when no record of it was read. */
    public String family(Bucket bucket) {
        return familyOfHead.getOrDefault(bucket.head(), bucket.head());
    }

    /** For one head family: image id → the labels of every bucket of that family it is in now (one, when all is well). */
    public Map<String, Set<String>> labels(String family) {
        Map<String, Set<String>> out = new TreeMap<>();
        members.forEach((bucket, ids) -> {
            if (!family(bucket).equals(family)) return;
            for (String id : ids) out.computeIfAbsent(id, k -> new LinkedHashSet<>()).add(bucket.label());
        });
        return out;
    }
}
