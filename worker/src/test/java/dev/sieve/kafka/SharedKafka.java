package dev.sieve.kafka;

/**
 * One embedded broker for the whole test run: started on first use, closed when the JVM exits. Test classes that
 * need Kafka call {@link #bootstrapServers()} and use their own topic names and group ids, so they never see each
 * other's records.
 */
public final class SharedKafka {
    private static EmbeddedKafka broker;

    private SharedKafka() {}

    public static synchronized EmbeddedKafka broker() {
        if (broker == null) {
            broker = EmbeddedKafka.start(0);
            EmbeddedKafka started = broker;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "shared-kafka-close"));
        }
        return broker;
    }

    public static String bootstrapServers() {
        return broker().bootstrapServers();
    }
}
