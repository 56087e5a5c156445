package dev.sieve.work;

import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One record an image writes: where, under which key, and the encoded value. The loops write every output of an
 * outcome in the same transaction (group mode) or before acknowledging its input record (share mode).
 */
public record Output(String topic, String key, byte[] value) {

    /** What the record's key and value take in a produce request; the headers around them are extra. */
    int bytes() {
        return value.length + (key == null ? 0 : FieldBounds.utf8Length(key));
    }

    ProducerRecord<String, byte[]> record() {
        return new ProducerRecord<>(topic, key, value);
    }
}
