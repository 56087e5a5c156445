package dev.sieve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.sieve.avro.CropCombine;
import dev.sieve.avro.EmbeddingPrecision;
import dev.sieve.avro.HeadScore;
import dev.sieve.avro.ImageEmbeddings;
import dev.sieve.avro.ImageRef;
import dev.sieve.image.ImagePreparer;
import dev.sieve.image.PreparedImage;
import dev.sieve.image.decode.DecodeOptions;
import dev.sieve.kafka.AvroSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EmbeddingsRecordTest {

    private static final AvroSerde<ImageEmbeddings> SERDE = AvroSerde.of(ImageEmbeddings.class);
    private static final List<String> SAMPLES = List.of("garden-640x480.jpg", "harbour-1920x1080.jpg",
            "lantern-800x1200-rgba.png", "sketch-500x700-grey.png", "street-900x760.webp", "badge-400x400.gif");
    private static ClipEmbedder clip;
    private static List<CityHead> heads;
    private static Scorer scorer;
    private static List<PreparedImage> images;
    private static List<ImageScore> scores;

    @BeforeAll
    static void score() throws Exception {
        clip = ClipEmbedder.load(ModelFixtures.clip336(), Device.cpu());
        heads = new ArrayList<>();
        for (String name : List.of("TestAnime-Binary-v0.1", "TestAnime-Triple-v0.2", "TestAesthetic-v0.3")) {
            heads.add(CityHead.load(ModelFixtures.head(name), Device.cpu()));
        }
        scorer = new Scorer(clip, heads, CropCombine.MEAN, Map.of(), true);
        ImagePreparer preparer = new ImagePreparer(clip.preprocessing(), DecodeOptions.defaults(), true);
        images = new ArrayList<>();
        for (String sample : SAMPLES) {
            images.add(preparer.prepare(Files.readAllBytes(ModelFixtures.repo().resolve("scripts/samples/" + sample)), true));
        }
        scores = scorer.score(images);
    }

    @AfterAll
    static void close() {
        scorer.close();
    }

    private static ImageEmbeddings record(int i, EmbeddingPrecision precision) {
        PreparedImage image = images.get(i);
        ImageRef ref = new ImageRef("id-" + i, "file:///samples/" + SAMPLES.get(i), "test", Map.of(), Instant.EPOCH, 0);
        ImageEmbeddings written = EmbeddingsRecord.of(ref, image.width(), image.height(), clip, true,
                scores.get(i).embeds(), precision, Instant.ofEpochMilli(1));
        return SERDE.decode(SERDE.encode(written)); // through the wire format
    }

    private static List<ImageEmbeds> readAll(EmbeddingPrecision precision) {
        List<ImageEmbeds> read = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) read.add(EmbeddingsRecord.read(record(i, precision), 768));
        return read;
    }

    @Test
    void keptEmbeddingsAreWhatClipGaveTheCrops() throws Exception {
        for (int i = 0; i < images.size(); i++) {
            PreparedImage image = images.get(i);
            ImageEmbeds kept = scores.get(i).embeds();
            assertThat(kept.tiled()).isEqualTo(image.tiled());
            assertThat(kept.crops()).hasNumberOfRows(image.tileCount());
            float[][] alone = clip.embed(image.tiles(), image.tileCount());
            for (int c = 0; c < alone.length; c++) assertThat(kept.crops()[c]).containsExactly(alone[c], org.assertj.core.data.Offset.offset(1e-5f));
            if (image.tiled()) assertThat(kept.whole()).containsExactly(clip.embed(image.whole(), 1)[0], org.assertj.core.data.Offset.offset(1e-5f));
        }
        assertThat(images.stream().filter(PreparedImage::tiled).count()).as("a tiled sample").isPositive();
    }

    @Test
    void float32RecordsRescoreToExactlyTheWorkersScores() throws Exception {
        List<ImageScore> again = new HeadSet(heads, CropCombine.MEAN, Map.of()).score(readAll(EmbeddingPrecision.FLOAT32));
        for (int i = 0; i < images.size(); i++) {
            assertThat(again.get(i).heads()).isEqualTo(scores.get(i).heads());
            assertThat(again.get(i).topTags()).isEqualTo(scores.get(i).topTags());
        }
    }

    /**
     * What storing in half precision does to the heads' outputs on the fixture CLIP (the figure in docs/records.md).
     * The bound is loose on purpose: the figure is printed; the assertion only says fp16 is close, not equal.
     */
    @Test
    void float16RecordsMoveScoresByLittle() throws Exception {
        List<ImageScore> again = new HeadSet(heads, CropCombine.MEAN, Map.of()).score(readAll(EmbeddingPrecision.FLOAT16));
        double worst = 0;
        for (int i = 0; i < images.size(); i++) {
            for (int h = 0; h < heads.size(); h++) {
                HeadScore a = scores.get(i).heads().get(h);
                HeadScore b = again.get(i).heads().get(h);
                for (int k = 0; k < a.getLabels().size(); k++) {
                    worst = Math.max(worst, Math.abs(a.getLabels().get(k).getProbability() - b.getLabels().get(k).getProbability()));
                }
            }
        }
        int fp32 = SERDE.encode(record(1, EmbeddingPrecision.FLOAT32)).length;
        int fp16 = SERDE.encode(record(1, EmbeddingPrecision.FLOAT16)).length;
        System.out.printf("embeddings record, tiled image: fp32 %d bytes, fp16 %d bytes; fp16 max |dp| %.2e%n", fp32, fp16, worst);
        assertThat(worst).isGreaterThan(0).isLessThan(1e-2);
        assertThat(fp16).isLessThan(fp32 * 6 / 10);
    }

    @Test
    void halfPrecisionRoundsToNearestEven() {
        assertThat(Half.fromFloat(1f)).isEqualTo((short) 0x3c00);
        assertThat(Half.fromFloat(1f / 3)).isEqualTo((short) 0x3555);
        assertThat(Half.fromFloat(65504f)).isEqualTo((short) 0x7bff);
        assertThat(Half.fromFloat(65520f)).isEqualTo((short) 0x7c00); // halfway to the next: rounds to infinity
        assertThat(Half.fromFloat(1f + 0x1p-11f)).isEqualTo((short) 0x3c00); // a tie: the even one
        assertThat(Half.fromFloat(1f + 3 * 0x1p-11f)).isEqualTo((short) 0x3c02);
        assertThat(Half.fromFloat(0x1p-24f)).isEqualTo((short) 0x0001);
        assertThat(Half.fromFloat(0x1p-25f)).isEqualTo((short) 0x0000); // a tie with zero: the even one
        assertThat(Half.fromFloat(-2f)).isEqualTo((short) 0xc000);
        for (int bits = 0; bits < 0x7c00; bits++) {
            assertThat(Half.fromFloat(Half.toFloat((short) bits))).as("0x%04x", bits).isEqualTo((short) bits);
        }
    }

    @Test
    void refusesARecordWhoseBytesDoNotFitItsCounts() {
        ImageEmbeddings record = record(0, EmbeddingPrecision.FLOAT32);
        record.setCrops(ByteBuffer.allocate(767 * 4));
        assertThatThrownBy(() -> EmbeddingsRecord.read(record, 768)).hasMessageContaining("crops holds 3068 bytes");
        ImageEmbeddings many = record(0, EmbeddingPrecision.FLOAT32);
        many.setCropCount(1 << 20);
        assertThatThrownBy(() -> EmbeddingsRecord.read(many, 768)).hasMessageContaining("an image has 1 to 5");
        assertThatThrownBy(() -> EmbeddingsRecord.read(record(0, EmbeddingPrecision.FLOAT32), 1024))
                .hasMessageContaining("768 wide, the heads take 1024");
        ImageEmbeddings tiled = record(1, EmbeddingPrecision.FLOAT16);
        tiled.setWhole(null);
        assertThatThrownBy(() -> EmbeddingsRecord.read(tiled, 768)).hasMessageContaining("a tiled image without");
    }
}
