package tlsgw.bcpeer;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** Command-line options of both programs: {@code --name value} pairs and bare {@code --flag}s. */
final class PeerOptions
{
    private static final Set<String> FLAGS = Set.of("resume", "hrr");

    private final Map<String, String> _values = new HashMap<>();

    private PeerOptions()
    {
    }

    static PeerOptions parse(String[] arguments, Set<String> known)
    {
        PeerOptions options = new PeerOptions();
        for (int i = 0; i < arguments.length; i++)
        {
            String argument = arguments[i];
            if (!argument.startsWith("--") || !known.contains(argument.substring(2)))
            {
                throw new IllegalArgumentException("unknown option " + argument);
            }

            String name = argument.substring(2);
            if (FLAGS.contains(name))
            {
                options._values.put(name, "true");
            }
            else if (i + 1 < arguments.length)
            {
                options._values.put(name, arguments[++i]);
            }
            else
            {
                throw new IllegalArgumentException(argument + " needs a value");
            }
        }

        return options;
    }

    String text(String name, String fallback)
    {
        return _values.getOrDefault(name, fallback);
    }

    String required(String name)
    {
        String value = _values.get(name);
        if (value == null)
        {
            throw new IllegalArgumentException("--" + name + " is required");
        }

        return value;
    }

    int integer(String name, int fallback)
    {
        String value = _values.get(name);
        return value == null ? fallback : Integer.parseInt(value);
    }

    boolean flag(String name)
    {
        return _values.containsKey(name);
    }

    Path path(String name)
    {
        String value = _values.get(name);
        return value == null ? null : Path.of(value);
    }
}
