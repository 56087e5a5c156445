package dev.sieve.ops;

import dev.sieve.cli.Sieve;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** The app's real command-line model, to check what docker/ and ops/ pass to it. */
final class SieveOptions {
    private static final Map<String, CommandLine> COMMANDS = new CommandLine(new Sieve()).getSubcommands();

    private SieveOptions() {}

    static boolean isCommand(String name) {
        return COMMANDS.containsKey(name);
    }

    static boolean hasOption(String command, String option) {
        CommandLine c = COMMANDS.get(command);
        return c != null && c.getCommandSpec().findOption(option) != null;
    }

    /** The options (tokens starting with "--" or "-x") in a sieve argument list after the subcommand. */
    static List<String> options(List<String> args) {
        return args.stream().skip(1).filter(a -> a.startsWith("-") && !a.matches("-?\\d+")).map(a -> a.split("=", 2)[0]).toList();
    }
}
