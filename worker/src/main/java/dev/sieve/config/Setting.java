package dev.sieve.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One setting, declared once: its name (the command-line option without {@code --}, and the key in
 * {@code ops/base/config.env}), its type, its default, the values it accepts and what it does. {@code --help}, the
 * validation of a given value, the table in docs/settings.md and the check of config.env all read it from here.
 *
 * @param name        option name without the dashes, e.g. {@code batch-crops}
 * @param type        how a value is read from text and written back
 * @param defaultText the default as it would be typed; null when the setting has none (then {@link #defaultShown})
 * @param computed    a default worked out when a command starts (cores, host name); null for a fixed one
 * @param defaultShown how {@code --help} and the docs show a computed or absent default
 * @param accepts     which values are accepted, and how to say so
 * @param doc         what it does, one sentence or a few
 * @param env         an environment variable that sets it when the option is not given; null for none
 * @param paramLabel  the placeholder in {@code --help}; null: picocli's
 * @param shortName   a one-letter alias on the command line ({@code -b}); null for none
 * @param internal    in the table (a default a test may override) but not a command-line option
 */
public record Setting<T>(String name, Type<T> type, String defaultText, Supplier<String> computed, String defaultShown,
                         Accepts<T> accepts, String doc, String env, String paramLabel, String shortName, boolean internal) {

    public Setting {
        if (!name.matches("[a-z][a-z0-9-]*")) throw new IllegalArgumentException("setting name " + name);
        if (defaultText != null) type.parse(defaultText); // a default that does not parse is a bug here, not at start
    }

    public static Setting<Integer> integer(String name, int defaultValue) {
        return new Setting<>(name, Type.INT, Integer.toString(defaultValue), null, null, Accepts.any(), "", null, null, null, false);
    }

    public static Setting<Long> longValue(String name, long defaultValue) {
        return new Setting<>(name, Type.LONG, Long.toString(defaultValue), null, null, Accepts.any(), "", null, null, null, false);
    }

    public static Setting<Double> decimal(String name, double defaultValue) {
        return new Setting<>(name, Type.DOUBLE, Type.DOUBLE.format(defaultValue), null, null, Accepts.any(), "", null, null, null, false);
    }

    /** A switch: off unless given. */
    public static Setting<Boolean> flag(String name) {
        return new Setting<>(name, Type.BOOLEAN, "false", null, null, Accepts.any(), "", null, null, null, false);
    }

    public static Setting<String> text(String name, String defaultValue) {
        return new Setting<>(name, Type.STRING, defaultValue, null, null, Accepts.any(), "", null, null, null, false);
    }

    public static Setting<Path> path(String name, String defaultValue) {
        return new Setting<>(name, Type.PATH, defaultValue, null, null, Accepts.any(), "", null, null, null, false);
    }

    public static <E extends Enum<E>> Setting<E> choice(String name, E defaultValue) {
        Type<E> type = Type.enumOf(defaultValue.getDeclaringClass());
        return new Setting<>(name, type, defaultValue.name(), null, null, Accepts.any(), "", null, null, null, false);
    }

    public Setting<T> doc(String doc) {
        return new Setting<>(name, type, defaultText, computed, defaultShown, accepts, doc, env, paramLabel, shortName, internal);
    }

    public Setting<T> accepts(Accepts<T> accepts) {
        return new Setting<>(name, type, defaultText, computed, defaultShown, accepts, doc, env, paramLabel, shortName, internal);
    }

    public Setting<T> env(String env) {
        return new Setting<>(name, type, defaultText, computed, defaultShown, accepts, doc, env, paramLabel, shortName, internal);
    }

    public Setting<T> paramLabel(String paramLabel) {
        return new Setting<>(name, type, defaultText, computed, defaultShown, accepts, doc, env, paramLabel, shortName, internal);
    }

    public Setting<T> shortName(String shortName) {
        return new Setting<>(name, type, defaultText, computed, defaultShown, accepts, doc, env, paramLabel, shortName, internal);
    }

    /** No default: the value is null (absent) unless given; {@code shown} says what that means. */
    public Setting<T> noDefault(String shown) {
        return new Setting<>(name, type, null, null, shown, accepts, doc, env, paramLabel, shortName, internal);
    }

    /** A default worked out when the command starts; {@code shown} is how help and docs name it. */
    public Setting<T> computedDefault(String shown, Supplier<String> computed) {
        return new Setting<>(name, type, null, computed, shown, accepts, doc, env, paramLabel, shortName, internal);
    }

    /** Not an option: a fixed default that only code (tests) overrides. */
    public Setting<T> notAnOption() {
        return new Setting<>(name, type, defaultText, computed, defaultShown, accepts, doc, env, paramLabel, shortName, true);
    }

    public String option() {
        return "--" + name;
    }

    /** The default as help and docs show it. */
    public String shownDefault() {
        return defaultText != null ? defaultText : defaultShown;
    }

    /** The default's text when a command starts: fixed, computed, or null. */
    String startDefault() {
        return defaultText != null ? defaultText : computed != null ? computed.get() : null;
    }

    /** Parses and checks one value; the message names the setting, the value, where it came from and what is accepted. */
    T read(String text, String source) {
        T value;
        try {
            value = type.parse(type == Type.STRING || type == Type.PATH ? text : text.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(option() + " '" + text + "' (" + source + "): not " + type.description());
        }
        check(value, source);
        return value;
    }

    /** Checks a value set in code (a record built directly) as a given one is checked. */
    public T require(T value) {
        check(value, "code");
        return value;
    }

    void check(T value, String source) {
        if (value != null && !accepts.test().test(value)) {
            String shown = type == Type.STRING || type == Type.PATH ? "'" + type.format(value) + "'" : type.format(value);
            throw new IllegalArgumentException(option() + " " + shown + " (" + source + "): must be " + accepts.description());
        }
    }

    /** How a value of a setting is read from text and written back. */
    public record Type<T>(String description, Class<?> javaType, Function<String, T> parser, Function<T, String> formatter) {
        public static final Type<Integer> INT = new Type<>("an integer", Integer.class, Integer::valueOf, String::valueOf);
        public static final Type<Long> LONG = new Type<>("an integer", Long.class, Long::valueOf, String::valueOf);
        public static final Type<Double> DOUBLE = new Type<>("a number", Double.class, Double::valueOf,
                d -> d == Math.rint(d) && !Double.isInfinite(d) ? String.valueOf(d.longValue()) : String.valueOf(d));
        public static final Type<Boolean> BOOLEAN = new Type<>("true or false", Boolean.class, Type::bool, String::valueOf);
        public static final Type<String> STRING = new Type<>("text", String.class, s -> s, s -> s);
        public static final Type<Path> PATH = new Type<>("a path", Path.class, Path::of, Path::toString);

        public static <E extends Enum<E>> Type<E> enumOf(Class<E> type) {
            String names = String.join(", ", Arrays.stream(type.getEnumConstants()).map(Enum::name).toList());
            return new Type<>("one of " + names, type, s -> Arrays.stream(type.getEnumConstants())
                    .filter(e -> e.name().equalsIgnoreCase(s)).findFirst().orElseThrow(), Enum::name);
        }

        T parse(String text) {
            return parser.apply(text);
        }

        String format(T value) {
            return value == null ? "" : formatter.apply(value);
        }

        private static Boolean bool(String s) {
            if (s.equalsIgnoreCase("true")) return true;
            if (s.equalsIgnoreCase("false")) return false;
            throw new IllegalArgumentException(s);
        }
    }

    /** Which values a setting accepts, and the words that say so in an error and in the docs. */
    public record Accepts<T>(Predicate<T> test, String description) {
        public static <T> Accepts<T> any() {
            return new Accepts<>(v -> true, "");
        }

        public static <N extends Number & Comparable<N>> Accepts<N> atLeast(N min) {
            return new Accepts<>(v -> v.compareTo(min) >= 0, "at least " + min);
        }

        public static <N extends Number & Comparable<N>> Accepts<N> between(N min, N max) {
            return new Accepts<>(v -> v.compareTo(min) >= 0 && v.compareTo(max) <= 0, "between " + min + " and " + max);
        }

        public static Accepts<String> notBlank() {
            return new Accepts<>(s -> !s.isBlank(), "not empty");
        }

        public static Accepts<String> matching(String regex, String description) {
            return new Accepts<>(s -> s.matches(regex), description);
        }

        public static <T> Accepts<T> where(Predicate<T> test, String description) {
            return new Accepts<>(test, description);
        }
    }
}
