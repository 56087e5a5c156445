package dev.sieve.review;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.avro.ScoredImage;
import dev.sieve.export.ExportConfig;
import dev.sieve.export.Exporter;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.sort.BucketNames;
import dev.sieve.sort.ScoredImages;
import dev.sieve.sort.TagRules;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile ids and URIs through {@code sieve export} and back through {@code review --from-export}: every id and URI
 * comes back exactly, and every row is one image. A seeded loop (see {@code AddressPolicyProperties} for why not
 * jqwik): each run draws new ids, a failure names its seed, {@code -Dsieve.property.seed=N} replays it.
 */
class ExportRoundTripProperties {
    static final long SEED = Long.getLong("sieve.property.seed", System.nanoTime());
    private static final String HEAD = "rtp-head";
    /** Pieces a hostile id is made of: row and field separators, escape characters, lookalikes of escapes. */
    private static final String[] PIECES = {"\t", "\n", "\r", "\r\n", "%", "%09", "%0A", "%ZZ", "%2", "\\", "\\t", "\\n",
            "/", "..", ".", " ", "a", "Z", "0", "é", "日本", "\uD83D\uDE00", "\u0000", "\u007F", "id", "%25", "\\\\"};

    @TempDir
    Path tmp;

    @Test
    void hostileIdsAndUrisSurviveExportAndReview() throws Exception {
        Random random = new Random(SEED);
        String label = "Pass %ZZ\t50%";
        String topic = BucketNames.topic(HEAD, label);
        Map<String, String> uris = new LinkedHashMap<>();
        while (uris.size() < 60) {
            String id = draw(random, random.nextInt(4) == 0 ? 120 : 8);
            uris.put(id, "https://example.org/" + draw(random, 6));
        }
        SharedKafka.broker().createTopics(1, topic);
        AvroSerde<ScoredImage> serde = AvroSerde.of(ScoredImage.class);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedKafka.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            for (Map.Entry<String, String> e : uris.entrySet()) {
                ScoredImage image = ScoredImages.of(e.getKey(), e.getValue()).classifier(HEAD, label, 0.75, "Other", 0.25).build();
                producer.send(new ProducerRecord<>(topic, e.getKey(), serde.encode(image)));
            }
        }
        Path out = tmp.resolve("export");
        Exporter.run(ExportConfig.of(ExportConfig.SETTINGS.defaults().set(ExportConfig.OUT, out)
                .set(ExportConfig.BUCKETS, Pattern.compile(Pattern.quote(topic)).pattern()), TagRules.defaults()),
                KafkaSettings.of(SharedKafka.bootstrapServers()), Optional.empty(), new PrintStream(OutputStream.nullOutputStream()));

        ReviewBuckets loaded = BucketLoader.fromExport(out);
        assertThat(loaded.labels(HEAD)).as("seed %d", SEED).containsExactly(label);
        Map<String, String> back = new HashMap<>();
        for (ReviewImage image : loaded.all()) back.put(image.id(), image.uri());
        assertThat(back).as("seed %d", SEED).isEqualTo(uris);
        assertThat(Files.readAllLines(out.resolve(HEAD).resolve(dev.sieve.export.PathSegments.of(label)).resolve("manifest.tsv")))
                .as("one line per image, plus the header (seed %d)", SEED).hasSize(uris.size() + 1);
    }

    static String draw(Random random, int pieces) {
        StringBuilder s = new StringBuilder();
        int n = 1 + random.nextInt(pieces);
        for (int i = 0; i < n; i++) s.append(PIECES[random.nextInt(PIECES.length)]);
        return s.toString();
    }
}
