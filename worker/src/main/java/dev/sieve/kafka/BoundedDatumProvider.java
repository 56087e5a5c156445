package dev.sieve.kafka;

import io.apicurio.registry.serde.avro.DefaultAvroDatumProvider;
import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.Decoder;

/**
 * Apicurio's datum provider with the {@link BoundedDecoder} under every reader, so records framed for a schema registry
 * are decoded with the same length checks as single-object-encoded ones. Apicurio instantiates it by name
 * ({@link SchemaRegistry#serdeConfig()}), hence public with a no-argument constructor.
 */
public final class BoundedDatumProvider<T> extends DefaultAvroDatumProvider<T> {
    @Override
    public DatumReader<T> createDatumReader(Schema schema) {
        DatumReader<T> reader = super.createDatumReader(schema);
        return new DatumReader<>() {
            @Override
            public void setSchema(Schema s) {
                reader.setSchema(s);
            }

            @Override
            public T read(T reuse, Decoder in) throws IOException {
                return reader.read(reuse, new BoundedDecoder(in));
            }
        };
    }
}
