package dev.sieve.kafka;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * Avro's binary decoder with every length and count checked against the bytes the record still holds, before
 * anything is allocated. Avro allocates a string, bytes or collection as large as its length field says and only
 * then reads it: a 15-byte record can ask for 2 GiB and end the JVM with an OutOfMemoryError. Here such a record is
 * an {@link EOFException} like any truncated one. Every item of sieve's schemas takes at least one byte, so a
 * collection cannot hold more items than there are bytes left.
 *
 * <p>Strings and bytes are read through their length and {@link Decoder#readFixed} rather than the wrapped decoder's
 * own methods, so the check does not depend on which checks the Avro version in use makes.
 */
final class BoundedDecoder extends Decoder {
    private final Decoder in;

    /** @param in a decoder that knows how many bytes are left ({@link Decoder#remainingBytes()} not negative) */
    BoundedDecoder(Decoder in) {
        if (in.remainingBytes() < 0) {
            throw new IllegalArgumentException("cannot bound lengths over a " + in.getClass().getSimpleName()
                    + " that does not know how many bytes are left");
        }
        this.in = in;
    }

    private int length(String what) throws IOException {
        long n = in.readLong();
        int left = in.remainingBytes();
        if (n < 0) throw new IOException("malformed data: a " + what + " of negative length " + n);
        if (n > left) throw new EOFException("a " + what + " of " + n + " bytes with only " + left + " bytes left");
        return (int) n;
    }

    private long items(long count, String what) throws EOFException {
        int left = in.remainingBytes();
        if (count > left) throw new EOFException("a " + what + " of " + count + " items with only " + left + " bytes left");
        return count;
    }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
        int n = length("string");
        Utf8 s = old != null ? old : new Utf8();
        s.setByteLength(n);
        if (n > 0) in.readFixed(s.getBytes(), 0, n);
        return s;
    }

    @Override
    public String readString() throws IOException {
        return readString(null).toString();
    }

    @Override
    public void skipString() throws IOException {
        in.skipFixed(length("string"));
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
        int n = length("bytes value");
        ByteBuffer b = old != null && old.hasArray() && !old.isReadOnly() && old.capacity() >= n ? old.clear() : ByteBuffer.allocate(n);
        in.readFixed(b.array(), b.arrayOffset(), n);
        return b.limit(n);
    }

    @Override
    public void skipBytes() throws IOException {
        in.skipFixed(length("bytes value"));
    }

    @Override
    public long readArrayStart() throws IOException {
        return items(in.readArrayStart(), "array");
    }

    @Override
    public long arrayNext() throws IOException {
        return items(in.arrayNext(), "array block");
    }

    @Override
    public long skipArray() throws IOException {
        return items(in.skipArray(), "array block");
    }

    @Override
    public long readMapStart() throws IOException {
        return items(in.readMapStart(), "map");
    }

    @Override
    public long mapNext() throws IOException {
        return items(in.mapNext(), "map block");
    }

    @Override
    public long skipMap() throws IOException {
        return items(in.skipMap(), "map block");
    }

    @Override
    public void readNull() throws IOException {
        in.readNull();
    }

    @Override
    public boolean readBoolean() throws IOException {
        return in.readBoolean();
    }

    @Override
    public int readInt() throws IOException {
        return in.readInt();
    }

    @Override
    public long readLong() throws IOException {
        return in.readLong();
    }

    @Override
    public float readFloat() throws IOException {
        return in.readFloat();
    }

    @Override
    public double readDouble() throws IOException {
        return in.readDouble();
    }

    @Override
    public void readFixed(byte[] bytes, int start, int length) throws IOException {
        in.readFixed(bytes, start, length);
    }

    @Override
    public void skipFixed(int length) throws IOException {
        in.skipFixed(length);
    }

    @Override
    public int readEnum() throws IOException {
        return in.readEnum();
    }

    @Override
    public int readIndex() throws IOException {
        return in.readIndex();
    }

    @Override
    public int remainingBytes() {
        return in.remainingBytes();
    }
}
