package dev.sieve.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro single-object encoding (2-byte marker, 8-byte schema fingerprint, binary body) as a Kafka serde.
 * Readers need no registry: the fingerprint says which schema wrote the message, and the decoder knows
 * the schemas of this release.
 *
 * <p>With a schema registry configured ({@link KafkaClients#useSchemaRegistry}), values are written with Apicurio
 * Registry's Avro serializer instead (magic byte 0, the schema's registry id, binary body). Reading looks at the first
 * byte, so a consumer reads both framings and a topic can move from one to the other without a flag day.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
    private final Class<T> type;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;
    private volatile RegistrySerde<T> registrySerde;

    static {
        // Avro 1.12 refuses to load any class outside its trusted list while decoding ("Forbidden ... not trusted"),
        // generated records included. The classes generated from this project's schemas are trusted, nothing else.
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(),
                c -> c.getName().startsWith("dev.sieve.avro.")));
    }

    private AvroSerde(Class<T> type) {
        this.type = type;
        SpecificData model = SpecificData.getForClass(type);
        Schema schema = model.getSchema(type);
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema);
    }

    public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type) {
        return new AvroSerde<>(type);
    }

    public byte[] encode(T value) {
        Optional<SchemaRegistry> registry = KafkaClients.schemaRegistry();
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
            SchemaRegistry registry = KafkaClients.schemaRegistry().orElseThrow(() -> new SerializationException(
                    "a schema-registry-framed " + type.getSimpleName() + " (magic byte 0, " + bytes.length
                            + " bytes): run with --schema-registry URL to read it"));
            return registrySerde(registry).decode(bytes);
        }
        try {
            return decoder.decode(bytes);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("not a single-object-encoded " + type.getSimpleName()
                    + " (" + bytes.length + " bytes): " + e.getMessage(), e);
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
