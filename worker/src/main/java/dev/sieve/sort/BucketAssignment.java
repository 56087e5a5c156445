package dev.sieve.sort;

import dev.sieve.avro.Correction;
import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.Tag;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.SchemaRegistry;
import java.util.Optional;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each image's buckets current. Two stores, both keyed so that one image's entries live in the task that owns
 * its partition (image id keys on images.scored and images.corrections alike, topics with the same partition count):
 *
 * <ul>
 *   <li>{@value #IMAGES}: image id to the latest scored record, with the tags of the buckets it is in now;
 *   <li>{@value #CORRECTIONS}: {@code <id> NUL <head family>} to the latest correction of that image under that head.
 * </ul>
 *
 * A scored record is routed by the tag rules with the image's corrections applied (so a re-score, by a new version of
 * a head too, never undoes a manual label) and written to every bucket it belongs to. A correction re-routes the
 * image's latest record and writes it only to buckets it was not in. Either way, a bucket the image left gets a
 * removal marker: a tombstone (key = id, value null) on that bucket topic. An image scored again by the same heads
 * (a redelivery in share mode, a replay) is written only to buckets it was not in, so a bucket holds it once. A correction for an image not scored yet
 * is kept and applied when the image arrives. A tombstone on the corrections topic withdraws all corrections of that id.
 */
final class BucketAssignment {
    private static final Logger LOG = LoggerFactory.getLogger(BucketAssignment.class);
    static final String IMAGES = "sorted-images";
    static final String CORRECTIONS = "corrections";
    /** Separates id and head family in correction keys; ids never contain it. */
    private static final char SEPARATOR = '\u0000';

    private BucketAssignment() {}

    static StoreBuilder<KeyValueStore<String, ScoredImage>> imagesStore(Optional<SchemaRegistry> registry) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(IMAGES), Serdes.String(), AvroSerde.of(ScoredImage.class, registry));
    }

    static StoreBuilder<KeyValueStore<String, Correction>> correctionsStore(Optional<SchemaRegistry> registry) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CORRECTIONS), Serdes.String(), AvroSerde.of(Correction.class, registry));
    }

    /** Routes newly scored images. */
    static final class Scored extends Base<ScoredImage> {
        Scored(BucketRouter router) {
            super(router);
        }

        @Override
        public void process(Record<String, ScoredImage> record) {
            String id = record.key();
            if (id == null || record.value() == null) return;
            List<Routed> now = router.route(id, record.value(), corrections(id));
            // The same image scored again by the same heads (a share-mode redelivery, a replay) is written only to
            // buckets it was not in yet: a bucket holds each image once. A re-score by another revision rewrites all.
            boolean again = sameHeads(imageStore.get(id), record.value());
            move(record, id, record.value(), now, !again);
        }

        private static boolean sameHeads(ScoredImage before, ScoredImage now) {
            if (before == null || before.getHeads().size() != now.getHeads().size()) return false;
            for (int i = 0; i < now.getHeads().size(); i++) {
                var a = before.getHeads().get(i);
                var b = now.getHeads().get(i);
                if (!a.getName().equals(b.getName()) || !a.getRevision().equals(b.getRevision())) return false;
            }
            return true;
        }
    }

    /** Stores corrections and moves the images they concern. */
    static final class Corrected extends Base<Correction> {
        Corrected(BucketRouter router) {
            super(router);
        }

        @Override
        public void process(Record<String, Correction> record) {
            String id = record.key();
            Correction correction = record.value();
            if (id == null) return;
            if (correction == null) {
                List<String> keys = new ArrayList<>();
                try (KeyValueIterator<String, Correction> all = correctionStore.prefixScan(id + SEPARATOR, new StringSerializer())) {
                    all.forEachRemaining(kv -> keys.add(kv.key));
                }
                keys.forEach(correctionStore::delete);
            } else if (!correction.getId().equals(id)) {
                // The key decides the partition, and so which task holds the image: a mismatch would apply it to nothing.
                LOG.error("correction keyed {} is for image {}: skipped (the key must be the image id)", id, correction.getId());
                return;
            } else {
                correctionStore.put(id + SEPARATOR + Corrections.family(correction), correction);
            }
            ScoredImage latest = imageStore.get(id);
            if (latest == null) return; // applied when the image is scored
            move(record, id, latest, router.reroute(id, latest, corrections(id)), false);
        }
    }

    private abstract static class Base<V> implements Processor<String, V, String, Routed> {
        final BucketRouter router;
        ProcessorContext<String, Routed> context;
        KeyValueStore<String, ScoredImage> imageStore;
        KeyValueStore<String, Correction> correctionStore;

        Base(BucketRouter router) {
            this.router = router;
        }

        @Override
        public void init(ProcessorContext<String, Routed> context) {
            this.context = context;
            this.imageStore = context.getStateStore(IMAGES);
            this.correctionStore = context.getStateStore(CORRECTIONS);
        }

        Corrections corrections(String id) {
            List<Correction> found = new ArrayList<>();
            try (KeyValueIterator<String, Correction> it = correctionStore.prefixScan(id + SEPARATOR, new StringSerializer())) {
                it.forEachRemaining(kv -> found.add(kv.value));
            }
            return Corrections.of(found);
        }

        /**
         * Writes {@code now} (all of it, or only the buckets the image was not in before), removal markers for the
         * buckets it left, and remembers where it is.
         */
        void move(Record<String, ?> record, String id, ScoredImage image, List<Routed> now, boolean writeAll) {
            Set<String> before = topicsOf(imageStore.get(id));
            Set<String> after = new LinkedHashSet<>();
            for (Routed r : now) after.add(r.topic());
            for (String topic : before) {
                if (!after.contains(topic)) {
                    context.forward(record.withKey(id).withValue(Routed.removal(topic)));
                    router.removed();
                }
            }
            for (Routed r : now) {
                if (writeAll || !before.contains(r.topic())) {
                    context.forward(record.withKey(id).withValue(r));
                    if (!writeAll) router.rerouted();
                }
            }
            imageStore.put(id, now.isEmpty() ? ScoredImage.newBuilder(image).setTags(List.of()).build() : now.get(0).image());
        }

        private static Set<String> topicsOf(ScoredImage image) {
            Set<String> topics = new LinkedHashSet<>();
            if (image == null) return topics;
            for (Tag tag : image.getTags()) {
                try {
                    topics.add(BucketNames.topic(tag.getHead(), tag.getLabel()));
                } catch (IllegalArgumentException unroutable) {
                    // It was never written there, so there is nothing to remove.
                }
            }
            return topics;
        }
    }
}
