package dev.sieve.redrive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sieve.StageException;
import dev.sieve.avro.FailedImage;
import dev.sieve.avro.FailureCode;
import dev.sieve.avro.ImageRef;
import dev.sieve.avro.Stage;
import dev.sieve.cli.Sieve;
import dev.sieve.kafka.AvroSerde;
import dev.sieve.kafka.KafkaSettings;
import dev.sieve.kafka.SharedKafka;
import dev.sieve.kafka.TopicReader;
import dev.sieve.work.Outcomes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `sieve redrive` on a real broker: which failures go back, with what count, and what a second run does. */
class RedriverKafkaTest {
    private static final AvroSerde<FailedImage> FAILED = AvroSerde.of(FailedImage.class);
    private static final AvroSerde<ImageRef> REFS = AvroSerde.of(ImageRef.class);

    @Test
    void sendsTransientFailuresBackOnceWithTheirCountUntilTheLimit() {
        String failedTopic = "redrive.failed", inTopic = "redrive.in";
        SharedKafka.broker().createTopics(2, failedTopic, inTopic);
        String bootstrap = SharedKafka.bootstrapServers();
        publish(bootstrap, failedTopic,
                failed("timeout", FailureCode.TIMEOUT, null, 0),
                failed("busy", FailureCode.HTTP_STATUS, 503, 0),
                failed("slow-down", FailureCode.HTTP_STATUS, 429, 1),
                failed("forbidden", FailureCode.HTTP_STATUS, 403, 0),
                failed("gone", FailureCode.NOT_FOUND, 404, 0),
                failed("tired", FailureCode.NETWORK, null, 3));
        RedriveConfig config = RedriveConfig.defaults(bootstrap).withTopics(failedTopic, inTopic).withGroup("redrive-a");

        RedriveResult first = new Redriver(config).run();

        assertThat(first.read()).isEqualTo(6);
        assertThat(first.sent()).containsExactlyInAnyOrderEntriesOf(Map.of("TIMEOUT", 1L, "HTTP_STATUS 503", 1L, "HTTP_STATUS 429", 1L));
        assertThat(first.notTransient()).containsExactlyInAnyOrderEntriesOf(Map.of("HTTP_STATUS 403", 1L, "NOT_FOUND 404", 1L));
        assertThat(first.exhausted()).containsExactlyInAnyOrderEntriesOf(Map.of("NETWORK", 1L));
        Map<String, Integer> counts = redrivesById(bootstrap, inTopic);
        assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of("timeout", 1, "busy", 1, "slow-down", 2));

        // Idempotence: the mark was committed with the references, so a second run over the same topic sends nothing.
        RedriveResult again = new Redriver(config).run();
        assertThat(again.read()).isZero();
        assertThat(redrivesById(bootstrap, inTopic)).hasSize(3);

        // What fails after the first run is read by the next one, and only that.
        publish(bootstrap, failedTopic, failed("timeout", FailureCode.TIMEOUT, null, 1));
        RedriveResult third = new Redriver(config).run();
        assertThat(third.read()).isEqualTo(1);
        assertThat(third.sent()).containsExactlyEntriesOf(Map.of("TIMEOUT", 1L));
        assertThat(TopicReader.readCommitted(bootstrap, inTopic, Duration.ofSeconds(30))).hasSize(4);

        // Another group has its own mark: it starts from the beginning.
        RedriveResult other = new Redriver(config.withGroup("redrive-b").withMaxAttempts(5)).run();
        assertThat(other.read()).isEqualTo(7);
        assertThat(other.sentTotal()).isEqualTo(5);
    }

    @Test
    void theCommandPrintsWhatItSentByCode() {
        String failedTopic = "redrive-cli.failed", inTopic = "redrive-cli.in";
        SharedKafka.broker().createTopics(1, failedTopic, inTopic);
        String bootstrap = SharedKafka.bootstrapServers();
        publish(bootstrap, failedTopic, failed("a", FailureCode.TIMEOUT, null, 0), failed("b", FailureCode.NOT_FOUND, 404, 0),
                failed("c", FailureCode.NOT_FOUND, 404, 0));
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new Sieve());
        cli.setOut(new PrintWriter(out));

        int exit = cli.execute("redrive", "-b", bootstrap, "--failed-topic", failedTopic, "--topic", inTopic,
                "--codes", "timeout,NOT_FOUND", "--group", "redrive-cli");

        assertThat(exit).isZero();
        assertThat(out.toString()).contains("read 3 failures from " + failedTopic + "; sent 3 back to " + inTopic)
                .containsPattern("TIMEOUT +1").containsPattern("NOT_FOUND 404 +2");
    }

    @Test
    void anUnknownCodeIsABadOption() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Sieve());
        cli.setErr(new PrintWriter(err));

        assertThat(cli.execute("redrive", "--codes", "TIMEOUT,SLOW")).isEqualTo(2);
        assertThat(err.toString()).contains("'SLOW'");
    }

    private static Map<String, Integer> redrivesById(String bootstrap, String topic) {
        Map<String, Integer> out = new java.util.HashMap<>();
        for (var r : TopicReader.readCommitted(bootstrap, topic, Duration.ofSeconds(30))) {
            ImageRef ref = REFS.decode(r.value());
            assertThat(r.key()).isEqualTo(ref.getId());
            out.put(ref.getId(), ref.getRedrives());
        }
        return out;
    }

    private static byte[] failed(String id, FailureCode code, Integer status, int redrives) {
        ImageRef ref = ImageRef.newBuilder().setId(id).setUri("https://example.org/" + id + ".jpg").setSource("test")
                .setAttributes(Map.of("caption", id)).setProducedAt(Instant.EPOCH).setRedrives(redrives).build();
        StageException e = status == null ? new StageException(Stage.FETCH, code, "test " + code)
                : new StageException(Stage.FETCH, code, "test " + status, 1, null, status);
        return FAILED.encode(Outcomes.failed(ref, e, "test-worker"));
    }

    private static void publish(String bootstrap, String topic, byte[]... values) {
        Properties p = KafkaSettings.of(bootstrap).props();
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (byte[] v : values) producer.send(new ProducerRecord<>(topic, FAILED.decode(v).getRef().getId(), v));
        }
    }
}
