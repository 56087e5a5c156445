package dev.sieve.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FetchConfigTest {

    @Test
    void defaultsAreSafe() {
        FetchConfig d = FetchConfig.defaults();
        assertThat(d.fileRoot()).isNull();
        assertThat(d.allowPrivateAddresses()).isFalse();
        assertThat(d.maxBytes()).isEqualTo(50L * 1024 * 1024);
    }

    @Test
    void rejectsBadValuesNamingTheOption() {
        FetchConfig d = FetchConfig.defaults();
        assertThatThrownBy(() -> d.withMaxInFlight(0, 0)).hasMessageContaining("maxInFlight: 0");
        assertThatThrownBy(() -> d.withMaxInFlight(4, 8)).hasMessageContaining("maxInFlightPerHost: 8");
        assertThatThrownBy(() -> d.withTimeouts(Duration.ZERO, Duration.ofSeconds(1))).hasMessageContaining("connectTimeout");
        assertThatThrownBy(() -> d.withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(-1))).hasMessageContaining("requestTimeout");
        assertThatThrownBy(() -> d.withMaxBytes(0)).hasMessageContaining("maxBytes: 0");
        assertThatThrownBy(() -> d.withMaxBytes(Long.MAX_VALUE)).hasMessageContaining("maxBytes");
        assertThatThrownBy(() -> d.withMaxRedirects(-1)).hasMessageContaining("maxRedirects: -1");
        assertThatThrownBy(() -> d.withRetries(0, Duration.ZERO)).hasMessageContaining("maxAttempts: 0");
        assertThatThrownBy(() -> d.withRetries(1, Duration.ofMillis(-5))).hasMessageContaining("retryBackoff");
    }
}
