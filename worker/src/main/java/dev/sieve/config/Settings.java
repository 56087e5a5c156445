package dev.sieve.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings of one command group, as Kafka's {@code ConfigDef} is for a client: every setting once, in order.
 * A command's options, the values it starts with ({@link #resolve}), and its table in docs/settings.md come from here.
 */
public final class Settings {
    private final String group;
    private final Map<String, Setting<?>> byName;

    private Settings(String group, Map<String, Setting<?>> byName) {
        this.group = group;
        this.byName = Collections.unmodifiableMap(byName);
    }

    /** A table of {@code settings}; a part (another Settings) contributes all of its own. */
    public static Settings of(String group, Object... settingsOrParts) {
        Map<String, Setting<?>> byName = new LinkedHashMap<>();
        for (Object o : settingsOrParts) {
            List<Setting<?>> add = o instanceof Settings part ? List.copyOf(part.byName.values()) : List.of((Setting<?>) o);
            for (Setting<?> s : add) {
                if (byName.put(s.name(), s) != null) throw new IllegalArgumentException(group + ": " + s.name() + " declared twice");
            }
        }
        return new Settings(group, byName);
    }

    public String group() {
        return group;
    }

    public List<Setting<?>> all() {
        return List.copyOf(byName.values());
    }

    /** The settings that are command-line options. */
    public List<Setting<?>> options() {
        return byName.values().stream().filter(s -> !s.internal()).toList();
    }

    public boolean has(String name) {
        return byName.containsKey(name);
    }

    public Setting<?> get(String name) {
        Setting<?> s = byName.get(name);
        if (s == null) throw new IllegalArgumentException(group + " has no setting " + name);
        return s;
    }

    /** Every setting at its default (environment variables not read): what tests and code start from. */
    public Values defaults() {
        return resolve(Map.of(), Map.of());
    }

    /**
     * The values a command starts with: an option given on the command line wins, then its environment variable, then
     * its default. A value that does not parse or is out of range stops here, with the setting, the value, where it
     * came from and what is accepted in the message.
     */
    public Values resolve(Map<String, String> given, Map<String, String> env) {
        Map<String, Values.Value> values = new LinkedHashMap<>();
        for (Setting<?> s : byName.values()) {
            String text = given.get(s.name());
            String source = "command line";
            if (text == null && s.env() != null && env.get(s.env()) != null && !env.get(s.env()).isEmpty()) {
                text = env.get(s.env());
                source = "env " + s.env();
            }
            if (text == null) {
                text = s.startDefault();
                source = "default";
            }
            values.put(s.name(), new Values.Value(text == null ? null : s.read(text, source), source));
        }
        for (String name : given.keySet()) get(name);
        return new Values(this, values);
    }

    /** The settings as a Markdown table: option, default, accepted values, what it does (docs/settings.md). */
    public String markdown() {
        List<String> rows = new ArrayList<>();
        rows.add("| option | default | accepts | what it does |");
        rows.add("|---|---|---|---|");
        for (Setting<?> s : options()) {
            // A fixed default is a value to type; a computed or absent one is words.
            String shown = s.defaultText() != null ? "`" + s.defaultText() + "`" : s.defaultShown() == null ? "" : s.defaultShown();
            String env = s.env() == null ? "" : " (env `" + s.env() + "`)";
            rows.add("| `" + s.option() + "`" + env + " | " + shown + " | " + accepted(s) + " | "
                    + s.doc().replace("|", "\\|") + " |");
        }
        return String.join("\n", rows) + "\n";
    }

    /** What {@code --help} says after a setting's doc: what it accepts, its environment variable and its default. */
    public static String helpSuffix(Setting<?> s) {
        String accepts = s.accepts().description().isEmpty() ? "" : " Accepts " + s.accepts().description() + ".";
        String env = s.env() == null ? "" : " Env " + s.env() + ".";
        String shown = s.shownDefault() == null || s.shownDefault().isEmpty() ? "none" : s.shownDefault();
        return accepts + env + " Default: " + shown + ".";
    }

    private static String accepted(Setting<?> s) {
        String d = s.accepts().description();
        if (!d.isEmpty()) return d;
        return s.type().javaType().isEnum() ? s.type().description().replace("one of ", "") : s.type().description();
    }
}
