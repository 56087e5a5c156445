package dev.sieve.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The single entry point: `sieve <command>`. */
@Command(name = "sieve", mixinStandardHelpOptions = true, version = "sieve 0.1.0",
        description = "Sorts image datasets with CLIP classifiers at stream scale.",
        subcommands = {DemoCommand.class, BrokerCommand.class, ProduceCommand.class, WorkCommand.class, SortCommand.class,
                ExportCommand.class, ReviewCommand.class, ScoreCommand.class, CommandLine.HelpCommand.class})
public final class Sieve implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return new CommandLine(new Sieve()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
