package dev.sieve.cli;

import dev.sieve.kafka.EmbeddedKafka;
import dev.sieve.kafka.Topics;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** A throwaway single-node Kafka for trying sieve on a laptop. */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = {"Run a single-node Kafka (KRaft) broker inside this process, on 127.0.0.1, until Ctrl-C.",
                "For trying sieve only: one replica, data in a temp folder deleted at exit."})
public final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "9092", description = "Client port on 127.0.0.1 (0 = any free port). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the topics it creates. Default: ${DEFAULT-VALUE}.")
    int partitions;

    @Override
    public Integer call() throws InterruptedException {
        EmbeddedKafka kafka = EmbeddedKafka.start(port);
        kafka.createTopics(partitions, Topics.IN, Topics.SCORED, Topics.FAILED, Topics.CORRECTIONS, Topics.EMBEDDINGS);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }));
        System.out.println("Kafka is up at " + kafka.bootstrapServers() + " with topics "
                + List.of(Topics.IN, Topics.SCORED, Topics.FAILED, Topics.CORRECTIONS, Topics.EMBEDDINGS) + " (" + partitions + " partitions each).");
        System.out.println("Try: scripts/sieve work -b " + kafka.bootstrapServers() + "   (Ctrl-C stops the broker)");
        stopped.await();
        return 0;
    }
}
