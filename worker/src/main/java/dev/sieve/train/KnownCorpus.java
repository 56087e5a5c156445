package dev.sieve.train;

import ai.djl.Device;
import dev.sieve.avro.ClipModel;
import dev.sieve.avro.Correction;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.EmbeddingPrecision;
import dev.sieve.avro.ImageEmbeddings;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.ScoredImage;
import dev.sieve.avro.StageTimings;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.PreparedImage;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.EmbeddedKafka;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.model.CityHead;
import dev.sieve.model.ClipEmbedder;
import dev.sieve.model.EmbeddingsRecord;
import dev.sieve.model.ImageScore;
import dev.sieve.model.Scorer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The curator's loop on a corpus whose truth is known ({@link ColourCorpus}, three classes named after the fixture
 * Triple head's labels): the images scored by the fixture CLIP and that head with their embeddings kept, as a worker
 * with {@code --embeddings} would write them. For the tests, the benchmark and {@code sieve demo --loop}.
 */
public final class KnownCorpus {
    public static final String HEAD = "TestAnime-Triple-v0.2";
    public static final String REVISION = "v0.2";
    public static final List<String> LABELS = List.of("Pass", "JPEG", "WEBP");

    public final List<ScoredImage> scored = new ArrayList<>();
    public final List<ImageEmbeddings> embeddings = new ArrayList<>();
    public final List<String> truth = new ArrayList<>();

    public static Path repo() {
        return Path.of(System.getProperty("sieve.repo", "..")).toAbsolutePath().normalize();
    }

    public static Path fixtureHead() {
        return repo().resolve("models/fixtures/heads/" + HEAD + ".safetensors");
    }

    public static KnownCorpus score(int images, long seed) throws Exception {
        return score(images, seed, repo().resolve("models/fixtures/clip-tiny-336/clip-tiny-336.pt"), fixtureHead(), null);
    }

    /**
     * @param folder where the PNGs are written (their refs are then file URIs there); null: nowhere, the refs name
     *               files that do not exist
     */
    public static KnownCorpus score(int images, long seed, Path clipFile, Path headFile, Path folder) throws Exception {
        KnownCorpus corpus = new KnownCorpus();
        ColourCorpus colours = new ColourCorpus(LABELS.size(), seed);
        try (Scorer scorer = new Scorer(ClipEmbedder.load(clipFile, Device.cpu()),
                List.of(CityHead.load(headFile, Device.cpu())), CropCombine.MEAN, Map.of(), true)) {
            ClipEmbedder clip = scorer.clip();
            ImagePreparer preparer = new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true);
            ClipModel clipModel = new ClipModel(clip.id(), clip.digest(), clip.preprocessing().size());
            for (int from = 0; from < images; from += 16) {
                List<PreparedImage> batch = new ArrayList<>();
                for (int i = from; i < Math.min(images, from + 16); i++) {
                    byte[] png = colours.png(i);
                    if (folder != null) java.nio.file.Files.write(folder.resolve(String.format("img-%04d.png", i)), png);
                    batch.add(preparer.prepare(png, true));
                }
                List<ImageScore> scores = scorer.score(batch);
                for (int b = 0; b < batch.size(); b++) {
                    int i = from + b;
                    String id = String.format("img-%04d", i);
                    String uri = folder != null ? folder.resolve(id + ".png").toUri().toString() : "file:///corpus/" + id + ".png";
                    ImageRef ref = new ImageRef(id, uri, "colour-corpus", Map.of(), Instant.EPOCH, 0);
                    PreparedImage image = batch.get(b);
                    ImageScore score = scores.get(b);
                    corpus.truth.add(LABELS.get(colours.classOf(i)));
                    corpus.scored.add(ScoredImage.newBuilder().setRef(ref).setWidth(image.width()).setHeight(image.height())
                            .setTiled(image.tiled()).setClip(clipModel).setHeads(score.heads()).setTags(score.topTags())
                            .setWorkerId("test").setTimings(new StageTimings(0L, 0L, 0L, 0L, 0L)).setScoredAt(Instant.EPOCH).build());
                    corpus.embeddings.add(EmbeddingsRecord.of(ref, image.width(), image.height(), clip, true, score.embeds(),
                            EmbeddingPrecision.FLOAT32, Instant.EPOCH));
                }
            }
        }
        return corpus;
    }

    /**
     * Writes images {@code 0..images-1} into {@code folder} as {@code img-NNNN.png}, for a worker to fetch as files.
     *
     * @return file name → the image's true class, in file order
     */
    public static Map<String, String> write(int images, long seed, Path folder) throws IOException {
        ColourCorpus colours = new ColourCorpus(LABELS.size(), seed);
        Map<String, String> truth = new LinkedHashMap<>();
        for (int i = 0; i < images; i++) {
            String file = String.format("img-%04d.png", i);
            Files.write(folder.resolve(file), colours.png(i));
            truth.put(file, LABELS.get(colours.classOf(i)));
        }
        return truth;
    }

    /** The file name a scored record's reference points at (its URI's last segment). */
    public static String fileOf(ScoredImage scored) {
        String uri = scored.getRef().getUri();
        return uri.substring(uri.lastIndexOf('/') + 1);
    }

    /**
     * What a reviewer who checked every bucket writes after a worker scored {@code scored} with {@link #HEAD}: each
     * misplaced image moved to its true class ({@code truth}: file name → class, as {@link #write} returns it).
     */
    public static List<Correction> corrections(Collection<ScoredImage> scored, Map<String, String> truth, String reviewer) {
        List<Correction> out = new ArrayList<>();
        for (ScoredImage s : scored) {
            String top = s.getTags().get(0).getLabel();
            String right = truth.get(fileOf(s));
            if (right == null) throw new IllegalArgumentException("no truth for " + s.getRef().getUri());
            if (!top.equals(right)) out.add(new Correction(s.getRef().getId(), HEAD, REVISION, top, right, reviewer, Instant.now()));
        }
        return out;
    }

    /** The worker's top label for image i. */
    public String topLabel(int i) {
        return scored.get(i).getTags().get(0).getLabel();
    }

    /** What a reviewer who checked every bucket writes: each misplaced image moved to its true class. */
    public List<Correction> corrections() {
        List<Correction> out = new ArrayList<>();
        for (int i = 0; i < scored.size(); i++) {
            if (!topLabel(i).equals(truth.get(i))) {
                out.add(new Correction(scored.get(i).getRef().getId(), HEAD, REVISION, topLabel(i), truth.get(i), "test", Instant.EPOCH));
            }
        }
        return out;
    }

    /** Writes the scored records, the embeddings and the corrections to the given topics (created, two partitions each, when missing). */
    public void publish(String bootstrap, String scoredTopic, String embeddingsTopic, String correctionsTopic, List<Correction> corrections) {
        EmbeddedKafka.createTopics(bootstrap, 2, List.of(scoredTopic, embeddingsTopic, correctionsTopic));
        var scoredSerde = AvroSerde.of(ScoredImage.class);
        var embeddingsSerde = AvroSerde.of(ImageEmbeddings.class);
        var props = KafkaSettings.of(bootstrap).props();
        props.put("max.request.size", String.valueOf(4 * 1024 * 1024));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < scored.size(); i++) {
                String id = scored.get(i).getRef().getId();
                producer.send(new ProducerRecord<>(scoredTopic, id, scoredSerde.encode(scored.get(i))));
                producer.send(new ProducerRecord<>(embeddingsTopic, id, embeddingsSerde.encode(embeddings.get(i))));
            }
            producer.flush();
        }
        publishCorrections(bootstrap, correctionsTopic, corrections);
    }

    /** What the review page writes for each mark. */
    public void publishCorrections(String bootstrap, String correctionsTopic, List<Correction> corrections) {
        var correctionSerde = AvroSerde.of(Correction.class);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaSettings.of(bootstrap).props(), new StringSerializer(), new ByteArraySerializer())) {
            for (Correction c : corrections) producer.send(new ProducerRecord<>(correctionsTopic, c.getId(), correctionSerde.encode(c)));
            producer.flush();
        }
    }
}
