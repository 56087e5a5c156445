package dev.sieve.review;

import dev.sieve.avro.HeadScore;
import dev.sieve.avro.LabelScore;
import dev.sieve.avro.ScoredImage;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.TopicReader;
import dev.sieve.model.Head;
import dev.sieve.model.HeadRevision;
import dev.sieve.sort.HeadFamily;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads images.scored once, to its end, and finds per classifier head family the images whose top label changed
 * between the family's two newest revisions (revision order: {@link HeadRevision#ORDER}). For each id and revision the
 * newest record counts (a key's records share a partition, so read order is offset order). Only the two newest
 * revisions of a family are held: a third one seen drops the oldest. Score heads have no top label and are skipped.
 */
public final class MovedLoader {
    private static final Logger LOG = LoggerFactory.getLogger(MovedLoader.class);
    /** Rough heap per held (id, head revision): the entry, its map node and its probabilities (the id and URI are shared). */
    public static final int BYTES_PER_ENTRY = 150;

    /** What one revision said about one image: enough to show it, not the whole record. */
    private record Seen(String uri, int width, int height, int top, float[] probabilities) {}

    /** One revision of a family, as read so far. */
    private static final class Revision {
        final String head;
        final List<String> labels;
        final Map<String, Seen> images = new HashMap<>();

        Revision(String head, List<String> labels) {
            this.head = head;
            this.labels = labels;
        }
    }

    private final long maxEntries;
    private final Map<String, Map<String, Revision>> families = new TreeMap<>();
    private long entries;
    private long skippedAfterCap;

    private final AvroSerde<ScoredImage> serde;

    private MovedLoader(long maxEntries, AvroSerde<ScoredImage> serde) {
        this.maxEntries = maxEntries;
        this.serde = serde;
    }

    /**
     * @param maxEntries how many (id, head revision) pairs may be held at once (about {@value #BYTES_PER_ENTRY} bytes
     *                   each); past it new pairs are not added and the view says it is incomplete
     */
    public static MovedImages fromTopic(KafkaSettings kafka, String topic, long maxEntries, Duration stallTimeout, PrintStream progress) {
        if (maxEntries < 1) throw new IllegalArgumentException("maxEntries " + maxEntries + ": must be at least 1");
        MovedLoader loader = new MovedLoader(maxEntries, kafka.serde(ScoredImage.class));
        new TopicReader(kafka, "sieve-review-moved", stallTimeout, progress).read(Pattern.compile(Pattern.quote(topic)), loader::add);
        return loader.result(topic);
    }

    private void add(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null || record.value() == null) return;
        ScoredImage image;
        try {
            image = serde.decode(record.value());
        } catch (SerializationException e) {
            LOG.warn("skipping {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            return;
        }
        String id = record.key();
        String uri = image.getRef().getUri();
        for (HeadScore head : image.getHeads()) {
            if (!Head.of(head).exclusiveClasses() || head.getLabels().isEmpty()) continue;
            Revision revision = revision(HeadFamily.of(head.getName(), head.getRevision()), head);
            // A record whose labels disagree with its revision's first record is not the same head: not compared.
            if (revision == null || revision.labels.size() != head.getLabels().size()) continue;
            boolean known = revision.images.containsKey(id);
            if (!known && entries >= maxEntries) {
                skippedAfterCap++;
                continue;
            }
            float[] p = new float[head.getLabels().size()];
            int top = 0;
            for (int i = 0; i < p.length; i++) {
                p[i] = (float) head.getLabels().get(i).getProbability();
                if (p[i] > p[top]) top = i;
            }
            revision.images.put(id, new Seen(uri, image.getWidth(), image.getHeight(), top, p));
            if (!known) entries++;
        }
    }

    /** The revision's holder, made when new; null when it is older than the two newest already held. */
    private Revision revision(String family, HeadScore head) {
        Map<String, Revision> revisions = families.computeIfAbsent(family, f -> new TreeMap<>(HeadRevision.ORDER));
        Revision r = revisions.get(head.getRevision());
        if (r != null) return r;
        if (revisions.size() == 2) {
            String oldest = ((TreeMap<String, Revision>) revisions).firstKey();
            if (HeadRevision.compare(head.getRevision(), oldest) < 0) return null;
            entries -= revisions.remove(oldest).images.size();
        }
        List<String> labels = head.getLabels().stream().map(LabelScore::getLabel).toList();
        r = new Revision(head.getName(), labels);
        revisions.put(head.getRevision(), r);
        return r;
    }

    private MovedImages result(String topic) {
        List<MovedImages.Family> out = new ArrayList<>();
        families.forEach((family, revisions) -> {
            TreeMap<String, Revision> sorted = (TreeMap<String, Revision>) revisions;
            Map.Entry<String, Revision> newer = sorted.lastEntry();
            if (sorted.size() < 2) {
                out.add(new MovedImages.Family(family, "", newer.getKey(), newer.getValue().head, newer.getValue().labels, 0, List.of()));
                return;
            }
            Map.Entry<String, Revision> older = sorted.firstEntry();
            List<MovedImages.Moved> moved = new ArrayList<>();
            int compared = 0;
            for (Map.Entry<String, Seen> e : newer.getValue().images.entrySet()) {
                Seen before = older.getValue().images.get(e.getKey());
                if (before == null) continue;
                compared++;
                Seen now = e.getValue();
                String nowLabel = newer.getValue().labels.get(now.top());
                String beforeLabel = older.getValue().labels.get(before.top());
                if (nowLabel.equals(beforeLabel)) continue;
                moved.add(new MovedImages.Moved(view(e.getKey(), newer, now), view(e.getKey(), older, before)));
            }
            out.add(new MovedImages.Family(family, older.getKey(), newer.getKey(), newer.getValue().head, newer.getValue().labels,
                    compared, moved));
        });
        String note = skippedAfterCap == 0 ? "" : "incomplete: " + skippedAfterCap + " (id, head revision) pairs of " + topic
                + " were left out once " + maxEntries + " were held (--moved-max-entries); what moved is listed among those held only";
        if (!note.isEmpty()) LOG.warn(note);
        return new MovedImages(out, note);
    }

    private static ReviewImage view(String id, Map.Entry<String, Revision> revision, Seen seen) {
        List<ReviewImage.LabelProbability> labels = new ArrayList<>();
        List<String> names = revision.getValue().labels;
        double best = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < seen.probabilities().length; i++) {
            labels.add(new ReviewImage.LabelProbability(names.get(i), seen.probabilities()[i]));
            if (i != seen.top()) best = Math.max(best, seen.probabilities()[i]);
        }
        double p = seen.probabilities()[seen.top()];
        double margin = best == Double.NEGATIVE_INFINITY ? Math.abs(p - 0.5) : p - best;
        return new ReviewImage(id, seen.uri(), revision.getValue().head, revision.getKey(), names.get(seen.top()), p, margin,
                labels, List.of(), List.of(), seen.width(), seen.height(), null);
    }
}
