package dev.sieve.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.sieve.kafka.LengthBombs.concat;
import static dev.sieve.kafka.LengthBombs.varint;

import dev.sieve.avro.ImageRef;
import dev.sieve.avro.ScoredImage;
import dev.sieve.sort.ScoredImages;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {
    private static final AvroSerde<ImageRef> REFS = AvroSerde.of(ImageRef.class);
    /** One map entry, "k" to "v". */
    private static final byte[] ONE_ENTRY = {2, 'k', 2, 'v'};

    @Test
    void decodesWhatItEncodesDespiteAvrosClassAllowList() {
        AvroSerde<ScoredImage> serde = AvroSerde.of(ScoredImage.class);
        ScoredImage image = ScoredImages.of("id-1", "file:/a.png").classifier("h", "a", 0.25, "b", 0.75).score("s", 0.5).build();
        assertThat(serde.decode(serde.encode(image))).isEqualTo(image);
    }

    @Test
    void refusesBytesThatAreNotItsType() {
        assertThatThrownBy(() -> AvroSerde.of(ScoredImage.class).decode(new byte[] {1, 2, 3}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("ScoredImage");
    }

    @Test
    void aStringLengthBombIsRefusedWithoutAllocatingIt() {
        // 10 header bytes, then the id's length: 2^31 - 9 bytes, in a 15-byte record.
        byte[] bomb = concat(header(), varint(LengthBombs.HUGE));
        assertThat(bomb).hasSize(15);
        assertRefusedCheaply(bomb);
    }

    @Test
    void aMapCountBombIsRefusedWithoutAllocatingIt() {
        // id, uri and source empty, then the attributes map says it holds 2^31 - 9 entries and has one ("k": "v"):
        // Avro sizes the map by the count, and the first entry makes it allocate the table.
        byte[] bomb = concat(header(), new byte[] {0, 0, 0}, varint(LengthBombs.HUGE), ONE_ENTRY);
        assertRefusedCheaply(bomb);
    }

    @Test
    void aMapCountBombInANegativeBlockIsRefusedWithoutAllocatingIt() {
        // A negative count is followed by the block's size in bytes (Avro's skippable blocks).
        byte[] bomb = concat(header(), new byte[] {0, 0, 0}, varint(-(LengthBombs.HUGE)), varint(4),
                ONE_ENTRY);
        assertRefusedCheaply(bomb);
    }

    @Test
    void aBytesLengthBombIsRefusedWithoutAllocatingIt() {
        // FailedImage.raw_value is ["null","bytes"]: the only bytes field, deep in the record. Encode a real failure,
        // then replace everything from raw_value on with a union index 1 and a 2^31-byte length.
        var failed = dev.sieve.avro.FailedImage.newBuilder().setRef(ref("x", "u")).setStage(dev.sieve.avro.Stage.INPUT)
                .setCode(dev.sieve.avro.FailureCode.BAD_REFERENCE).setMessage("m").setAttempts(1).setWorkerId("w")
                .setHttpStatus(null).setRawValue(null).setFailedAt(Instant.EPOCH).build();
        AvroSerde<dev.sieve.avro.FailedImage> serde = AvroSerde.of(dev.sieve.avro.FailedImage.class);
        byte[] good = serde.encode(failed);
        // The tail is: http_status null (index 0), raw_value null (index 0), failed_at 0 (one byte 0).
        byte[] head = Arrays.copyOf(good, good.length - 2);
        byte[] bomb = concat(head, varint(1), varint(LengthBombs.HUGE));
        long before = allocated();
        assertThatThrownBy(() -> serde.decode(bomb)).isInstanceOf(SerializationException.class);
        assertThat(allocated() - before).as("bytes allocated while refusing").isLessThan(16L << 20);
    }

    @Test
    void decodesARecordWhoseLengthsFillItExactly() {
        ImageRef ref = ref("id-\u00e9", "https://example.test/" + "a".repeat(5000));
        ref.setAttributes(Map.of("k1", "v".repeat(300), "k2", ""));
        assertThat(REFS.decode(REFS.encode(ref))).isEqualTo(ref);
    }

    @Test
    void theSchemaRegistryPathDecodesWithTheSameBounds() {
        // Apicurio reads the body after its own framing with the reader its datum provider makes.
        BoundedDatumProvider<ImageRef> provider = new BoundedDatumProvider<>();
        provider.setUseSpecificAvroReader(true);
        DatumReader<ImageRef> reader = provider.createDatumReader(ImageRef.getClassSchema());
        byte[] body = concat(new byte[] {0, 0, 0}, varint(LengthBombs.HUGE), ONE_ENTRY);
        long before = allocated();
        assertThatThrownBy(() -> reader.read(null, DecoderFactory.get().binaryDecoder(body, null)))
                .isInstanceOf(java.io.EOFException.class);
        assertThat(allocated() - before).isLessThan(16L << 20);
        ImageRef ref = ref("r", "https://example.test/r.png");
        byte[] good = REFS.encode(ref);
        assertThat(readQuietly(reader, Arrays.copyOfRange(good, 10, good.length))).isEqualTo(ref);
    }

    @Test
    void theSchemaRegistrySerdeUsesTheBoundedProvider() {
        assertThat(new SchemaRegistry(java.net.URI.create("http://127.0.0.1:1/apis/registry/v3")).serdeConfig())
                .containsEntry("apicurio.registry.avro-datum-provider", BoundedDatumProvider.class.getName());
    }

    private static ImageRef readQuietly(DatumReader<ImageRef> reader, byte[] body) {
        try {
            return reader.read(null, DecoderFactory.get().binaryDecoder(body, null));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void assertRefusedCheaply(byte[] bomb) {
        long before = allocated();
        assertThatThrownBy(() -> REFS.decode(bomb)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("ImageRef");
        assertThat(allocated() - before).as("bytes allocated while refusing a " + bomb.length + "-byte record")
                .isLessThan(16L << 20);
    }

    private static ImageRef ref(String id, String uri) {
        return ImageRef.newBuilder().setId(id).setUri(uri).setSource("").setAttributes(Map.of())
                .setProducedAt(Instant.EPOCH).build();
    }

    private static byte[] header() {
        return LengthBombs.header(REFS, ref("", ""));
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

}
