package dev.sieve.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The values of one {@link Settings} table: each one parsed, checked, and with where it came from (the command line,
 * an environment variable, the default, or code). Immutable; {@link #set} makes a copy with one value changed.
 */
public final class Values {
    record Value(Object value, String source) {}

    private final Settings settings;
    private final Map<String, Value> values;

    Values(Settings settings, Map<String, Value> values) {
        this.settings = settings;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** The value; null only for a setting with no default that was not given. */
    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        requireDeclared(setting);
        Value v = values.get(setting.name());
        return v == null ? null : (T) v.value();
    }

    /** Where the value came from: "command line", "env NAME", "default" or "code". */
    public String source(Setting<?> setting) {
        requireDeclared(setting);
        Value v = values.get(setting.name());
        return v == null ? "default" : v.source();
    }

    /** A copy with {@code setting} at {@code value}, checked as a given value is. */
    public <T> Values set(Setting<T> setting, T value) {
        requireDeclared(setting);
        if (value != null) setting.check(value, "code");
        Map<String, Value> copy = new LinkedHashMap<>(values);
        copy.put(setting.name(), new Value(value, "code"));
        return new Values(settings, copy);
    }

    private void requireDeclared(Setting<?> setting) {
        if (settings.get(setting.name()) != setting) {
            throw new IllegalArgumentException(settings.group() + ": " + setting.name() + " is another table's setting");
        }
    }
}
