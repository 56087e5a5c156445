package dev.sieve.redrive;

import dev.sieve.avro.FailedImage;
import dev.sieve.avro.FailureCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which failures are worth another try: a list of {@link FailureCode} names, plus {@code HTTP_429} and
 * {@code HTTP_5XX} for an {@code HTTP_STATUS} failure with that answer (an {@code HTTP_STATUS} entry takes every
 * status, 403 included, which is rarely what anyone wants).
 */
public record TransientCodes(List<String> entries) {

    /** Timeouts, connection errors, 429 and 5xx: what may well work an hour later. */
    public static final List<String> DEFAULT = List.of("TIMEOUT", "NETWORK", "HTTP_429", "HTTP_5XX");

    public TransientCodes {
        List<String> upper = new ArrayList<>();
        for (String e : entries) {
            String code = e.strip().toUpperCase(Locale.ROOT);
            if (code.isEmpty()) continue;
            if (!code.equals("HTTP_429") && !code.equals("HTTP_5XX")) {
                try {
                    FailureCode.valueOf(code);
                } catch (IllegalArgumentException unknown) {
                    throw new IllegalArgumentException("Invalid option for codes: '" + e + "' (expected HTTP_429, "
                            + "HTTP_5XX or one of " + List.of(FailureCode.values()) + ")");
                }
            }
            upper.add(code);
        }
        if (upper.isEmpty()) throw new IllegalArgumentException("Invalid option for codes: none given");
        entries = List.copyOf(upper);
    }

    public static TransientCodes defaults() {
        return new TransientCodes(DEFAULT);
    }

    public boolean matches(FailedImage failed) {
        String code = failed.getCode().name();
        Integer status = failed.getHttpStatus();
        for (String entry : entries) {
            if (entry.equals(code)) return true;
            if (failed.getCode() == FailureCode.HTTP_STATUS && status != null) {
                if (entry.equals("HTTP_429") && status == 429) return true;
                if (entry.equals("HTTP_5XX") && status >= 500 && status <= 599) return true;
            }
        }
        return false;
    }
}
