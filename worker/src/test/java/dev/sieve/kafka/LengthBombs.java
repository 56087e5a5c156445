package dev.sieve.kafka;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.apache.avro.specific.SpecificRecord;

/**
 * Hand-made Avro bodies whose length or count fields say more than the record holds, for the tests of bounded
 * decoding: the worker's input, the sorter's serdes, the poison-pill chaos case.
 */
public final class LengthBombs {
    /** A length Avro would allocate as an array: the largest the JVM allows. */
    public static final long HUGE = Integer.MAX_VALUE - 8;

    private LengthBombs() {}

    /** The single-object header (marker and fingerprint) of this release's {@code T}, taken from a real encoding. */
    public static <T extends SpecificRecord> byte[] header(AvroSerde<T> serde, T any) {
        return Arrays.copyOf(serde.encode(any), 10);
    }

    /** Avro's long encoding: zig-zag, then 7 bits a byte, lowest first. */
    public static byte[] varint(long n) {
        long z = (n << 1) ^ (n >> 63);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((z & ~0x7FL) != 0) {
            out.write((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.write((int) z);
        return out.toByteArray();
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
