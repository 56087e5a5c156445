package dev.sieve.cli;

import dev.sieve.config.Setting;
import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A command's settings table as its picocli options: one option per setting, with the setting's doc, environment
 * variable and default as its {@code --help} text. Parsing only collects the text given; {@link #values()} then
 * resolves and checks every setting (command line, then environment, then default) when the command runs.
 */
final class SettingOptions {
    private final Settings settings;
    private final Map<String, String> given = new LinkedHashMap<>();

    SettingOptions(Settings settings) {
        this.settings = settings;
    }

    /** A command whose options come (in part) from a settings table. */
    interface Holder {
        SettingOptions settingOptions();
    }

    /** The values the command runs with; a bad one is an IllegalArgumentException naming it (a usage error). */
    Values values() {
        return settings.resolve(given, System.getenv());
    }

    /** {@link #values()}, a bad one a usage error of {@code spec}'s command (exit code 2 however it was run). */
    Values values(CommandSpec spec) {
        try {
            return values();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /**
     * Installs the tables' options on a command: its own, and those of its mixins (picocli applies a mixin's
     * transformer to the command it is mixed into). Idempotent, as picocli may apply it more than once.
     */
    public static final class Install implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            List<Object> holders = new ArrayList<>();
            holders.add(spec.userObject());
            for (CommandSpec mixin : spec.mixins().values()) holders.add(mixin.userObject());
            for (Object holder : holders) {
                if (!(holder instanceof Holder h)) continue;
                SettingOptions options = h.settingOptions();
                for (Setting<?> s : options.settings.options()) {
                    if (spec.findOption(s.option()) == null) spec.addOption(options.option(s));
                }
            }
            return spec;
        }
    }

    private OptionSpec option(Setting<?> s) {
        List<String> names = new ArrayList<>();
        if (s.shortName() != null) names.add(s.shortName());
        names.add(s.option());
        boolean flag = s.type() == Setting.Type.BOOLEAN && "false".equals(s.defaultText());
        OptionSpec.Builder b = OptionSpec.builder(names.toArray(String[]::new))
                .description(s.doc() + Settings.helpSuffix(s))
                .type(flag ? boolean.class : String.class)
                .arity(flag ? "0" : "1")
                .hasInitialValue(false)
                .setter(new CommandLine.Model.ISetter() {
                    @Override
                    @SuppressWarnings("unchecked")
                    public <T> T set(T value) {
                        if (value != null) given.put(s.name(), String.valueOf(value));
                        return null;
                    }
                });
        if (s.paramLabel() != null) {
            b.paramLabel(s.paramLabel());
        } else if (s.type().javaType().isEnum()) {
            b.paramLabel(String.join("|", Arrays.stream(s.type().javaType().getEnumConstants()).map(String::valueOf).toList()));
        } else {
            b.paramLabel("<" + s.name() + ">");
        }
        return b.build();
    }
}
