package dev.sieve.fuzz;

import dev.sieve.kafka.LengthBombs;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Byte-level mutations of a corpus entry, libFuzzer's usual set: flip a bit, write an interesting byte or 32-bit
 * number (both byte orders), write a huge Avro length (a zig-zag varint), insert, delete, duplicate or truncate a
 * run, splice in a piece of another entry. Every result is at most {@code maxLength} bytes.
 */
public final class Mutations {
    private static final byte[] INTERESTING_BYTES = {0, 1, 0x7f, (byte) 0x80, (byte) 0xff, (byte) 0xfe, 0x10, 0x40};
    private static final int[] INTERESTING_INTS = {0, 1, -1, 0x7fffffff, 0x80000000, 0xffff, 0x10000, 65_535 * 65_535,
        Integer.MAX_VALUE / 2, 1 << 24, 100_000};
    /** Lengths Avro would allocate before reading: near 2^31, 2^30, and negative ones. */
    private static final long[] AVRO_LENGTHS = {Integer.MAX_VALUE, Integer.MAX_VALUE - 8, 1L << 30, 1L << 28, -1, -2,
        Long.MAX_VALUE / 2};

    private final Random random;
    private final int maxLength;

    public Mutations(Random random, int maxLength) {
        this.random = random;
        this.maxLength = maxLength;
    }

    /** One to four stacked mutations of {@code input}; {@code others} supplies splice material. */
    public byte[] mutate(byte[] input, List<byte[]> others) {
        byte[] b = input;
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) b = once(b, others);
        return b.length > maxLength ? Arrays.copyOf(b, maxLength) : b;
    }

    private byte[] once(byte[] b, List<byte[]> others) {
        if (b.length == 0) return insert(b, 0, randomBytes(1 + random.nextInt(8)));
        int at = random.nextInt(b.length);
        switch (random.nextInt(10)) {
            case 0 -> {
                byte[] c = b.clone();
                c[at] ^= (byte) (1 << random.nextInt(8));
                return c;
            }
            case 1 -> {
                byte[] c = b.clone();
                c[at] = INTERESTING_BYTES[random.nextInt(INTERESTING_BYTES.length)];
                return c;
            }
            case 2 -> {
                int v = INTERESTING_INTS[random.nextInt(INTERESTING_INTS.length)];
                byte[] c = b.clone();
                boolean bigEndian = random.nextBoolean();
                for (int k = 0; k < 4 && at + k < c.length; k++) {
                    c[at + k] = (byte) (bigEndian ? v >>> (24 - 8 * k) : v >>> (8 * k));
                }
                return c;
            }
            case 3 -> {
                // Overwrite (or insert) an Avro length: strings, bytes, maps and arrays start with one.
                byte[] varint = LengthBombs.varint(AVRO_LENGTHS[random.nextInt(AVRO_LENGTHS.length)]);
                return random.nextBoolean() ? insert(b, at, varint) : overwrite(b, at, varint);
            }
            case 4 -> {
                return insert(b, at, randomBytes(1 + random.nextInt(16)));
            }
            case 5 -> {
                int len = 1 + random.nextInt(Math.min(64, b.length - at));
                byte[] c = new byte[b.length - len];
                System.arraycopy(b, 0, c, 0, at);
                System.arraycopy(b, at + len, c, at, b.length - at - len);
                return c;
            }
            case 6 -> {
                int len = 1 + random.nextInt(Math.min(256, b.length - at));
                return insert(b, at, Arrays.copyOfRange(b, at, at + len));
            }
            case 7 -> {
                return Arrays.copyOf(b, at);
            }
            case 8 -> {
                byte[] other = others.get(random.nextInt(others.size()));
                if (other.length == 0) return b;
                int from = random.nextInt(other.length);
                int len = 1 + random.nextInt(Math.min(512, other.length - from));
                return random.nextBoolean() ? insert(b, at, Arrays.copyOfRange(other, from, from + len))
                        : overwrite(b, at, Arrays.copyOfRange(other, from, from + len));
            }
            default -> {
                byte[] c = b.clone();
                int len = 1 + random.nextInt(Math.min(8, b.length - at));
                for (int k = 0; k < len; k++) c[at + k] = (byte) random.nextInt(256);
                return c;
            }
        }
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static byte[] insert(byte[] b, int at, byte[] piece) {
        byte[] c = new byte[b.length + piece.length];
        System.arraycopy(b, 0, c, 0, at);
        System.arraycopy(piece, 0, c, at, piece.length);
        System.arraycopy(b, at, c, at + piece.length, b.length - at);
        return c;
    }

    private static byte[] overwrite(byte[] b, int at, byte[] piece) {
        byte[] c = b.clone();
        System.arraycopy(piece, 0, c, at, Math.min(piece.length, c.length - at));
        return c;
    }
}
