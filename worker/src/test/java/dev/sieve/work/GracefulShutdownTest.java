package dev.sieve.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sieve.kafka.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pod stop as Kubernetes does it: SIGTERM to `sieve work` in its own process, mid-stream. */
class GracefulShutdownTest {
    private static final Pattern STOPPED = Pattern.compile("worker stopped: polled (\\d+), scored (\\d+), failed (\\d+)");

    @TempDir
    Path tmp;

    @Test
    void sigtermMidStreamCommitsEverythingPolledAndExitsZero() throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String in = "sigterm.in", scored = "sigterm.scored", failed = "sigterm.failed", group = "sigterm-workers";
        SharedKafka.broker().createTopics(3, in, scored, failed);
        int refs = 300;
        try (ImageServer server = new ImageServer(List.of(WorkerEndToEndTest.SAMPLES.resolve("garden-640x480.jpg")), 50);
             GroupOffsets offsets = new GroupOffsets(bootstrap)) {
            try (KafkaProducer<String, byte[]> producer = WorkerEndToEndTest.producer(bootstrap)) {
                for (int i = 0; i < refs; i++) {
                    String id = "t" + i;
                    String uri = server.base() + (i % 10 == 0 ? "/gone/" : "/img/") + id;
                    producer.send(new ProducerRecord<>(in, id, WorkerEndToEndTest.REFS.encode(WorkerEndToEndTest.ref(id, uri))));
                }
            }
            WorkerProcess worker = WorkerProcess.start(tmp.resolve("worker.log"), List.of(
                    "-b", bootstrap, "--group", group, "--worker-id", "sigterm-worker", "--input-topic", in,
                    "--scored-topic", scored, "--failed-topic", failed, "--allow-private-addresses",
                    "--max-in-flight", "32", "--fetch-attempts", "1"));
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> offsets.committed(group, in) > 0 || !worker.isAlive());
                assertThat(worker.isAlive()).as(worker.log()).isTrue();

                int exit = worker.terminate(60);

                String log = worker.log();
                assertThat(exit).as(log).isZero();
                // The child runs with -Dai.djl.pytorch.num_threads=1 and num_interop_threads=1 (WorkerProcess).
                assertThat(log).as("the thread split is logged at start")
                        .containsPattern("threads: \\d+ cores; preprocessing pool \\d+; libtorch intra-op 1, inter-op 1");
                Matcher m = STOPPED.matcher(log);
                assertThat(m.find()).as(log).isTrue();
                long polled = Long.parseLong(m.group(1));
                long written = Long.parseLong(m.group(2)) + Long.parseLong(m.group(3));
                assertThat(written).as("everything polled was finished and written before exit").isEqualTo(polled);

                long committed = offsets.committed(group, in);
                List<String> ids = new ArrayList<>();
                for (String topic : List.of(scored, failed)) {
                    WorkerEndToEndTest.readAll(bootstrap, topic).stream().map(ConsumerRecord::key).forEach(ids::add);
                }
                assertThat(ids).doesNotHaveDuplicates().hasSize((int) committed);
                assertThat(committed).as("committed offsets cover exactly what was polled").isEqualTo(polled);
                System.out.printf("SIGTERM: %d of %d references polled, all %d written and committed; exit %d%n",
                        polled, refs, written, exit);
            } finally {
                if (worker.isAlive()) worker.kill();
            }
        }
    }
}
