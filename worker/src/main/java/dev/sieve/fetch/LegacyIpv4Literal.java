package dev.sieve.fetch;

import java.util.Optional;

/**
 * Host names that are IPv4 addresses in a spelling other than four plain decimal numbers: {@code 0177.0.0.1}
 * (octal), {@code 0x7f.1} (hex, short), {@code 2130706433} (one number), {@code 127.0.0.01}. Browsers (the WHATWG URL
 * standard), curl and inet_aton read them one way, Java's {@code InetAddress} another ({@code 0177.0.0.1} is 127.0.0.1
 * to the first and the public 177.0.0.1 to Java) or not at all. A reference that means one address to its author and
 * another to the fetcher is refused outright, so no reading has to be trusted: the refusal names what inet_aton reads.
 *
 * <p>Which names count follows the WHATWG URL standard's "ends in a number": the last dot-separated label (a single
 * trailing dot ignored) is all decimal digits, or {@code 0x} followed by hex digits. Such a host is an IPv4 address
 * to a browser whatever its other labels are; only the canonical {@code a.b.c.d}, each 0–255 without a leading zero,
 * is accepted here.
 */
final class LegacyIpv4Literal {
    /** More characters than any IPv4 spelling needs; a longer host is not read as one (and not refused here). */
    private static final int MAX_LENGTH = 64;

    private LegacyIpv4Literal() {}

    /** Why {@code host} is refused, or empty when it is not an IPv4 address or is one in canonical form. */
    static Optional<String> refusal(String host) {
        if (host == null || host.isEmpty() || host.length() > MAX_LENGTH || !endsInANumber(host)) return Optional.empty();
        if (isCanonical(host)) return Optional.empty();
        String reading = inetAton(host).map(v -> "inet_aton and browsers read " + dotted(v))
                .orElse("browsers reject it as an invalid IPv4 address");
        return Optional.of("host " + host + " is an IPv4 address in a legacy spelling (octal, hex, short or leading"
                + " zeros; " + reading + "); write it as four decimal numbers");
    }

    private static boolean endsInANumber(String host) {
        String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        String last = h.substring(h.lastIndexOf('.') + 1);
        if (last.isEmpty()) return false;
        if (asciiDigits(last, 10)) return true;
        return (last.startsWith("0x") || last.startsWith("0X")) && asciiDigits(last.substring(2), 16);
    }

    private static boolean isCanonical(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) return false;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !asciiDigits(p, 10)) return false;
            if (p.length() > 1 && p.charAt(0) == '0') return false;
            if (Integer.parseInt(p) > 255) return false;
        }
        return true;
    }

    /** The address inet_aton (and the WHATWG IPv4 parser) reads, or empty where they find none. */
    static Optional<Long> inetAton(String host) {
        String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        String[] parts = h.split("\\.", -1);
        if (parts.length > 4) return Optional.empty();
        long[] numbers = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            Optional<Long> n = number(parts[i]);
            if (n.isEmpty()) return Optional.empty();
            numbers[i] = n.get();
        }
        long value = 0;
        for (int i = 0; i < numbers.length - 1; i++) {
            if (numbers[i] > 255) return Optional.empty();
            value |= numbers[i] << (8 * (3 - i));
        }
        long last = numbers[numbers.length - 1];
        // The last part fills the bytes the earlier parts left: 127.1 is 127.0.0.1, 2130706433 is 127.0.0.1.
        if (last >= 1L << (8 * (5 - numbers.length))) return Optional.empty();
        return Optional.of(value | last);
    }

    private static Optional<Long> number(String part) {
        if (part.isEmpty()) return Optional.empty();
        int radix = 10;
        String digits = part;
        if (part.startsWith("0x") || part.startsWith("0X")) {
            radix = 16;
            digits = part.substring(2);
            if (digits.isEmpty()) return Optional.of(0L);
        } else if (part.length() > 1 && part.charAt(0) == '0') {
            radix = 8;
            digits = part.substring(1);
        }
        if (!asciiDigits(digits, radix)) return Optional.empty();
        // More digits than 2^32 needs in any radix: too large, and not parsed into an overflow.
        if (digits.length() > 32) return Optional.empty();
        try {
            long v = Long.parseLong(digits, radix);
            return v < 0 || v > 0xffffffffL ? Optional.empty() : Optional.of(v);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Only ASCII digits of {@code radix} (Character.digit would also take other scripts' digits, and signs pass parseLong). */
    private static boolean asciiDigits(String s, int radix) {
        for (int i = 0; i < s.length(); i++) {
            char c = Character.toLowerCase(s.charAt(i));
            boolean ok = c >= '0' && c <= '9' ? c - '0' < radix : radix == 16 && c >= 'a' && c <= 'f';
            if (!ok) return false;
        }
        return true;
    }

    private static String dotted(long v) {
        return (v >>> 24 & 0xff) + "." + (v >>> 16 & 0xff) + "." + (v >>> 8 & 0xff) + "." + (v & 0xff);
    }
}
