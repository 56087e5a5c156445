package dev.sieve.fetch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes tar files as Python's tarfile (and so img2dataset's WebDataset writer) does: ustar headers, and a PAX
 * {@code path} record for a name over 100 bytes. For tests of {@code tar:} references and {@code --from-tar}.
 */
public final class TarShards {
    private TarShards() {}

    /** A tar holding {@code members} in their map order. */
    public static Path write(Path file, Map<String, byte[]> members) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> m : members.entrySet()) {
            byte[] name = m.getKey().getBytes(StandardCharsets.UTF_8);
            if (name.length > 99) {
                String record = " path=" + m.getKey() + "\n";
                int length = record.getBytes(StandardCharsets.UTF_8).length;
                length += String.valueOf(length + String.valueOf(length).length()).length();
                byte[] pax = (length + record).getBytes(StandardCharsets.UTF_8);
                entry(out, "PaxHeaders/x", pax, 'x');
            }
            entry(out, name.length > 99 ? "long-name" : m.getKey(), m.getValue(), '0');
        }
        out.write(new byte[1024]);
        Files.write(file, out.toByteArray());
        return file;
    }

    private static void entry(ByteArrayOutputStream out, String name, byte[] data, char type) throws IOException {
        byte[] h = new byte[512];
        put(h, 0, name.getBytes(StandardCharsets.UTF_8));
        put(h, 100, "0000644\0".getBytes(StandardCharsets.US_ASCII));
        put(h, 108, "0000000\0".getBytes(StandardCharsets.US_ASCII));
        put(h, 116, "0000000\0".getBytes(StandardCharsets.US_ASCII));
        put(h, 124, String.format("%011o\0", data.length).getBytes(StandardCharsets.US_ASCII));
        put(h, 136, "00000000000\0".getBytes(StandardCharsets.US_ASCII));
        h[156] = (byte) type;
        put(h, 257, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(h, 263, "00".getBytes(StandardCharsets.US_ASCII));
        for (int i = 148; i < 156; i++) h[i] = ' ';
        long sum = 0;
        for (byte b : h) sum += b & 0xff;
        put(h, 148, String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII));
        out.write(h);
        out.write(data);
        out.write(new byte[(512 - data.length % 512) % 512]);
    }

    private static void put(byte[] h, int at, byte[] value) {
        System.arraycopy(value, 0, h, at, value.length);
    }
}
