using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace TlsGateway.Host.Admin;

/// <summary>
/// GET /admin/config: the configuration a process runs, after defaults, as JSON, with secrets
/// redacted. The config records hold references to secrets (file:PATH, env:NAME) rather than
/// secrets, but a reference still says where to look, and a store URL may carry a password:
/// any property named like a secret is replaced by "[redacted]", and any URL's password too.
/// </summary>
internal static partial class EffectiveConfig
{
    public const string Redacted = "[redacted]";

    private static readonly string[] s_secretWords = ["passphrase", "password", "pin", "token", "secret"];

    private static readonly JsonSerializerOptions s_options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower), new EndPointConverter(), new AddressConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { RedactSecrets } },
    };

    public static string ToJson(object config) => JsonSerializer.Serialize(config, config.GetType(), s_options);

    /// <summary>A URL's password, as in postgres://user:password@host/db, becomes [redacted].</summary>
    public static string RedactUrlPassword(string text) => UrlPassword().Replace(text, "$1" + Redacted + "@");

    private static void RedactSecrets(JsonTypeInfo type)
    {
        foreach (JsonPropertyInfo property in type.Properties)
        {
            string name = property.Name.ToLowerInvariant();
            Func<object, object?>? get = property.Get;
            if (get is null)
            {
                continue;
            }

            if (s_secretWords.Any(word => name.Split('_').Contains(word)))
            {
                // Say whether one is set, never what it is (null stays null: the converter is not called for it).
                property.CustomConverter = (JsonConverter)Activator.CreateInstance(typeof(RedactedConverter<>).MakeGenericType(property.PropertyType))!;
            }
            else if (property.PropertyType == typeof(string))
            {
                property.Get = owner => get(owner) is string text ? RedactUrlPassword(text) : null;
            }
        }
    }

    [GeneratedRegex(@"(://[^:/@\s]*:)[^@/\s]+@")]
    private static partial Regex UrlPassword();

    private sealed class EndPointConverter : JsonConverter<EndPoint>
    {
        public override bool CanConvert(Type typeToConvert) => typeof(EndPoint).IsAssignableFrom(typeToConvert);

        public override EndPoint Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, EndPoint value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }

    private sealed class AddressConverter : JsonConverter<IPAddress>
    {
        public override IPAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }

    // Writes any value of a secret-named property as "[redacted]".
    private sealed class RedactedConverter<T> : JsonConverter<T>
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(Redacted);
    }
}
