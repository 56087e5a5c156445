package dev.sieve.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The single entry point: `sieve <command>`. */
@Command(name = "sieve", mixinStandardHelpOptions = true, version = "sieve 0.1.0",
        description = "Sorts image datasets with CLIP classifiers at stream scale.",
        subcommands = {DemoCommand.class, BrokerCommand.class, ProduceCommand.class, WorkCommand.class, SortCommand.class,
                ExportCommand.class, ReviewCommand.class, ScoreCommand.class, StatusCommand.class, RedriveCommand.class, TrainCommand.class, RescoreCommand.class, CommandLine.HelpCommand.class})
public final class Sieve implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The command tree, with sieve's error handling: a bad option or input is one clear line, not a stack trace. */
    public static CommandLine commandLine() {
        return new CommandLine(new Sieve())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    Throwable t = e instanceof java.io.UncheckedIOException && e.getCause() != null ? e.getCause() : e;
                    boolean usage = t instanceof IllegalArgumentException;
                    cmd.getErr().println("sieve " + cmd.getCommandName() + ": " + t.getMessage());
                    if (!usage || Boolean.getBoolean("sieve.debug")) {
                        if (Boolean.getBoolean("sieve.debug")) t.printStackTrace(cmd.getErr());
                        else cmd.getErr().println("(run with SIEVE_JAVA_OPTS=-Dsieve.debug=true for the stack trace)");
                    }
                    return usage ? cmd.getCommandSpec().exitCodeOnInvalidInput() : cmd.getCommandSpec().exitCodeOnExecutionException();
                });
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
