package dev.sieve.kafka;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Apicurio Registry's Avro serializer and deserializer for one record type, configured for sieve (see
 * {@link SchemaRegistry#serdeConfig()}). The topic Apicurio's API asks for is not used: artifacts are named after the
 * record, so one registration serves every topic a type travels on.
 */
record RegistrySerde<T extends SpecificRecord>(SchemaRegistry registry, Class<T> type,
        AvroKafkaSerializer<T> serializer, AvroKafkaDeserializer<T> deserializer) implements AutoCloseable {
    /** Apicurio's (and Confluent's) framing starts with 0; single-object encoding starts with 0xC3. */
    static final byte MAGIC_BYTE = 0;

    static <T extends SpecificRecord> RegistrySerde<T> open(SchemaRegistry registry, Class<T> type) {
        AvroKafkaSerializer<T> serializer = new AvroKafkaSerializer<>();
        serializer.configure(registry.serdeConfig(), false);
        AvroKafkaDeserializer<T> deserializer = new AvroKafkaDeserializer<>();
        deserializer.configure(registry.serdeConfig(), false);
        return new RegistrySerde<>(registry, type, serializer, deserializer);
    }

    byte[] encode(T value) {
        try {
            return serializer.serialize(type.getName(), value);
        } catch (RuntimeException e) {
            throw new SerializationException("writing a " + type.getSimpleName() + " through schema registry "
                    + registry.url() + ": " + e.getMessage(), e);
        }
    }

    T decode(byte[] bytes) {
        Object value;
        try {
            value = deserializer.deserialize(type.getName(), bytes);
        } catch (RuntimeException e) {
            throw new SerializationException("reading a " + type.getSimpleName() + " (" + bytes.length
                    + " bytes) through schema registry " + registry.url() + ": " + e.getMessage(), e);
        }
        if (!type.isInstance(value)) {
            throw new SerializationException("schema registry " + registry.url() + " says these " + bytes.length + " bytes are a "
                    + (value == null ? "null" : value.getClass().getName()) + ", not a " + type.getName());
        }
        return type.cast(value);
    }

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
    }
}
