package dev.sieve.cli;

import dev.sieve.config.Settings;
import dev.sieve.config.Values;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command whose options are its settings table (see {@link SettingOptions}); its {@code @Command} names
 * {@code modelTransformer = SettingOptions.Install.class}.
 */
abstract class ConfiguredCommand implements Callable<Integer>, SettingOptions.Holder {
    private final SettingOptions settings;

    @Spec
    CommandSpec spec;

    ConfiguredCommand(Settings table) {
        this.settings = new SettingOptions(table);
    }

    @Override
    public final SettingOptions settingOptions() {
        return settings;
    }

    /** The values this run uses; a bad one is a usage error naming the setting (exit code 2). */
    Values values() {
        return settings.values(spec);
    }
}
