using System.Text.Json;
using System.Text.Json.Serialization;
using TlsGateway.Crypto;

namespace TlsGateway.Ca;

/// <summary>The CA's fixed choices, written once by <c>tlsgw ca init</c> to DIR/ca/ca.json.</summary>
public sealed record CaSettings(string TrustDomain, string KeyType, string? Store = null)
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static CaSettings Load(CaLayout layout)
    {
        if (!File.Exists(layout.Settings))
        {
            throw new CaException($"no CA in {layout.DataDirectory} (missing {layout.Settings}); run `tlsgw ca init --data {layout.DataDirectory}` first");
        }

        try
        {
            return JsonSerializer.Deserialize<CaSettings>(File.ReadAllText(layout.Settings), s_json)
                ?? throw new JsonException("empty document");
        }
        catch (JsonException e)
        {
            throw new CaException($"{layout.Settings} is not valid: {e.Message}", e);
        }
    }

    public void Save(CaLayout layout) =>
        AtomicFile.Write(layout.Settings, JsonSerializer.Serialize(this, s_json) + "\n", AtomicFile.PrivateMode);
}
