package dev.sieve.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sieve.avro.ScoredImage;
import dev.sieve.sort.ScoredImages;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {

    @Test
    void decodesWhatItEncodesDespiteAvrosClassAllowList() {
        AvroSerde<ScoredImage> serde = AvroSerde.of(ScoredImage.class);
        ScoredImage image = ScoredImages.of("id-1", "file:/a.png").classifier("h", "a", 0.25, "b", 0.75).score("s", 0.5).build();
        assertThat(serde.decode(serde.encode(image))).isEqualTo(image);
    }

    @Test
    void refusesBytesThatAreNotItsType() {
        assertThatThrownBy(() -> AvroSerde.of(ScoredImage.class).decode(new byte[] {1, 2, 3}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("ScoredImage");
    }
}
