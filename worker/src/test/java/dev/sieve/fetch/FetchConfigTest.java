package dev.sieve.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sieve.config.Values;
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
        Values d = FetchConfig.SETTINGS.defaults();
        assertThatThrownBy(() -> d.set(FetchConfig.MAX_IN_FLIGHT, 0)).hasMessageContaining("--fetch-max-in-flight 0");
        assertThatThrownBy(() -> FetchConfig.of(d.set(FetchConfig.MAX_IN_FLIGHT, 4).set(FetchConfig.MAX_IN_FLIGHT_PER_HOST, 8)))
                .hasMessageContaining("maxInFlightPerHost: 8");
        assertThatThrownBy(() -> d.set(FetchConfig.CONNECT_TIMEOUT_MS, 0L)).hasMessageContaining("--connect-timeout-ms");
        assertThatThrownBy(() -> d.set(FetchConfig.REQUEST_TIMEOUT_MS, -1000L)).hasMessageContaining("--request-timeout-ms");
        assertThatThrownBy(() -> d.set(FetchConfig.MAX_BYTES, 0L)).hasMessageContaining("--max-bytes 0");
        assertThatThrownBy(() -> d.set(FetchConfig.MAX_BYTES, Long.MAX_VALUE)).hasMessageContaining("--max-bytes");
        assertThatThrownBy(() -> d.set(FetchConfig.MAX_REDIRECTS, -1)).hasMessageContaining("--max-redirects -1");
        assertThatThrownBy(() -> d.set(FetchConfig.FETCH_ATTEMPTS, 0)).hasMessageContaining("--fetch-attempts 0");
        assertThatThrownBy(() -> d.set(FetchConfig.RETRY_BACKOFF_MS, -5L)).hasMessageContaining("--retry-backoff-ms");
        // Built directly, the record checks the same ranges.
        FetchConfig f = FetchConfig.defaults();
        assertThatThrownBy(() -> new FetchConfig(f.maxInFlight(), f.maxInFlightPerHost(), f.connectTimeout(), f.requestTimeout(),
                0, f.maxRedirects(), f.maxAttempts(), f.retryBackoff(), null, false, 0, f.optOut())).hasMessageContaining("--max-bytes 0");
    }
}
