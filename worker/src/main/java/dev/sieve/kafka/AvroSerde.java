package dev.sieve.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro single-object encoding (2-byte marker, 8-byte schema fingerprint, binary body) as a Kafka serde.
 * Readers need no registry: the fingerprint says which schema wrote the message, and the decoder knows
 * the schemas of this release. Every length in the body is checked against the bytes left before it is allocated
 * ({@link BoundedDecoder}), in both framings: every reader of sieve's records (worker, sorter, export, review) decodes
 * here.
 *
 * <p>Made with a schema registry ({@link KafkaSettings#serde}), values are written with Apicurio
 * Registry's Avro serializer instead (magic byte 0, the schema's registry id, binary body). Reading looks at the first
 * byte, so a consumer reads both framings and a topic can move from one to the other without a flag day.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
    private final Class<T> type;
    private final BinaryMessageEncoder<T> encoder;
    /** The single-object header: marker 0xC3 0x01, then the writer schema's 64-bit fingerprint, little-endian. */
    private static final int HEADER_BYTES = 10;
    private final long fingerprint;
    private final DatumReader<T> reader;
    private final Optional<SchemaRegistry> registry;
    private volatile RegistrySerde<T> registrySerde;

    static {
        // Avro 1.12 refuses to load any class outside its trusted list while decoding ("Forbidden ... not trusted"),
        // generated records included. The classes generated from this project's schemas are trusted, nothing else.
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(),
                c -> c.getName().startsWith("dev.sieve.avro.")));
    }

    private AvroSerde(Class<T> type, Optional<SchemaRegistry> registry) {
        this.type = type;
        this.registry = registry;
        SpecificData model = SpecificData.getForClass(type);
        Schema schema = model.getSchema(type);
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.fingerprint = SchemaNormalization.parsingFingerprint64(schema);
        this.reader = new SpecificDatumReader<>(schema, schema, model);
    }

    /** Single-object encoding; registry-framed values are refused when read. */
    public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type) {
        return new AvroSerde<>(type, Optional.empty());
    }

    /** Writes through {@code registry} when there is one, and reads both framings with it. */
    public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type, Optional<SchemaRegistry> registry) {
        return new AvroSerde<>(type, registry);
    }

    public byte[] encode(T value) {
        if (registry.isPresent()) return registrySerde(registry.get()).encode(value);
        try {
            ByteBuffer buf = encoder.encode(value);
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @throws SerializationException when the bytes are not a single-object-encoded {@code T}. */
    public T decode(byte[] bytes) {
        if (bytes == null) throw new SerializationException("no value (null) where a " + type.getSimpleName() + " was expected");
        if (bytes.length > 0 && bytes[0] == RegistrySerde.MAGIC_BYTE) {
            SchemaRegistry registry = this.registry.orElseThrow(() -> new SerializationException(
                    "a schema-registry-framed " + type.getSimpleName() + " (magic byte 0, " + bytes.length
                            + " bytes): run with --schema-registry URL to read it"));
            return registrySerde(registry).decode(bytes);
        }
        try {
            checkHeader(bytes);
            return reader.read(null, new BoundedDecoder(DecoderFactory.get().binaryDecoder(bytes, HEADER_BYTES,
                    bytes.length - HEADER_BYTES, null)));
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("not a single-object-encoded " + type.getSimpleName()
                    + " (" + bytes.length + " bytes): " + e.getMessage(), e);
        }
    }

    /** What Avro's BinaryMessageDecoder checks, which decodes with unbounded lengths and so cannot be used. */
    private void checkHeader(byte[] bytes) throws IOException {
        if (bytes.length < HEADER_BYTES) throw new IOException("not enough header bytes");
        if (bytes[0] != (byte) 0xC3 || bytes[1] != 0x01) {
            throw new IOException(String.format("unrecognized header bytes 0x%02X 0x%02X", bytes[0], bytes[1]));
        }
        long written = ByteBuffer.wrap(bytes, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        if (written != fingerprint) {
            throw new IOException("cannot resolve schema for fingerprint " + Long.toUnsignedString(written)
                    + " (this release reads " + Long.toUnsignedString(fingerprint) + ")");
        }
    }

    /** One Apicurio serializer/deserializer pair per registry URL, made on first use (they hold an HTTP client and a cache). */
    private RegistrySerde<T> registrySerde(SchemaRegistry registry) {
        RegistrySerde<T> current = registrySerde;
        if (current == null || !current.registry().equals(registry)) {
            synchronized (this) {
                current = registrySerde;
                if (current == null || !current.registry().equals(registry)) {
                    if (current != null) current.close();
                    current = RegistrySerde.open(registry, type);
                    registrySerde = current;
                }
            }
        }
        return current;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : encode(value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> bytes == null ? null : decode(bytes);
    }
}
