using System.Text;
using System.Text.Json;

namespace TlsGateway.Tests.Shared;

/// <summary>
/// Collects, for scripts/check-log-secrets.sh, every log the suite's tlsgw processes wrote and
/// the secret material the suite used (private keys, passphrases, PINs, bootstrap tokens,
/// session-ticket keys, harvested from test directories before they are deleted). The script
/// then proves that no secret appears in any log. Active only when TLSGW_TEST_LOGS names a
/// directory (scripts/test.sh sets it); otherwise every method does nothing.
/// </summary>
public static class TestLogArchive
{
    public const string Variable = "TLSGW_TEST_LOGS";

    private const int MinimumSecretLength = 12;
    private const long MaxFileBytes = 1024 * 1024;

    private static string? Root => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } root ? root : null;

    /// <summary>Keeps one process's output as logs/SOURCE-GUID.log.</summary>
    public static void SaveLog(string source, string text)
    {
        if (Root is not { } root || text.Length == 0)
        {
            return;
        }

        string directory = Path.Combine(root, "logs");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, $"{source}-{Guid.NewGuid():N}.log"), text);
    }

    /// <summary>Writes every secret found under <paramref name="directory"/> to secrets/GUID.txt, one per line.</summary>
    public static void HarvestSecrets(string directory)
    {
        if (Root is not { } root || !Directory.Exists(directory))
        {
            return;
        }

        var secrets = new HashSet<string>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            try
            {
                var info = new FileInfo(file);
                if (info.Length is > 0 and <= MaxFileBytes && !info.Attributes.HasFlag(FileAttributes.ReparsePoint))
                {
                    Collect(info.Name.ToLowerInvariant(), File.ReadAllBytes(file), secrets);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A socket, a file that vanished: nothing to harvest.
            }
        }

        if (secrets.Count == 0)
        {
            return;
        }

        string target = Path.Combine(root, "secrets");
        Directory.CreateDirectory(target);
        File.WriteAllLines(Path.Combine(target, $"{Guid.NewGuid():N}.txt"), secrets.Where(s => s.Length >= MinimumSecretLength));
    }

    private static void Collect(string name, byte[] bytes, HashSet<string> secrets)
    {
        string text = Encoding.UTF8.GetString(bytes);
        if (text.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            bool inKey = false;
            foreach (string line in text.Split('\n', StringSplitOptions.TrimEntries))
            {
                if (line.StartsWith("-----BEGIN", StringComparison.Ordinal))
                {
                    inKey = line.Contains("PRIVATE KEY", StringComparison.Ordinal);
                }
                else if (line.StartsWith("-----END", StringComparison.Ordinal))
                {
                    inKey = false;
                }
                else if (inKey && !line.Contains(':'))
                {
                    secrets.Add(line); // one base64 line of the key
                }
            }
        }
        else if (name.Contains("ticket", StringComparison.Ordinal))
        {
            CollectTicketKeys(name, bytes, text, secrets);
        }
        else if (NamesASecret(name) && bytes.Length < 4096 && IsText(bytes))
        {
            secrets.Add(text.Trim());
        }
    }

    // "enc.pass", "pin", "bootstrap-token", "ca-passphrase": a word of the name says secret
    // ("mapping" is not a pin; a token store's binary object files are not tokens).
    private static bool NamesASecret(string name) =>
        name.Split(s_nonLetters, StringSplitOptions.RemoveEmptyEntries).Any(w => w is "pass" or "passphrase" or "password" or "pin" or "token" or "secret");

    private static bool IsText(byte[] bytes) => bytes.All(b => b is (>= 0x20 and < 0x7f) or (byte)'\n' or (byte)'\r' or (byte)'\t');

    private static readonly char[] s_nonLetters = [.. Enumerable.Range(0, 128).Select(c => (char)c).Where(c => !char.IsAsciiLetter(c))];

    // Ticket keys leak as base64 or hex, whole or one 80-byte key at a time.
    private static void CollectTicketKeys(string name, byte[] bytes, string text, HashSet<string> secrets)
    {
        var keys = new List<byte[]>();
        if (name.EndsWith(".json", StringComparison.Ordinal))
        {
            try
            {
                using JsonDocument json = JsonDocument.Parse(text);
                Walk(json.RootElement, keys);
            }
            catch (JsonException)
            {
                return;
            }
        }
        else
        {
            for (int offset = 0; offset + 80 <= bytes.Length; offset += 80)
            {
                keys.Add(bytes[offset..(offset + 80)]);
            }
        }

        foreach (byte[] key in keys)
        {
            secrets.Add(Convert.ToBase64String(key));
            secrets.Add(Convert.ToHexStringLower(key));
            secrets.Add(Convert.ToHexString(key));
        }
    }

    private static void Walk(JsonElement element, List<byte[]> keys)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    Walk(property.Value, keys);
                }

                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    Walk(item, keys);
                }

                break;
            case JsonValueKind.String when element.GetString() is { Length: >= 64 } value:
                try
                {
                    keys.Add(Convert.FromBase64String(value));
                }
                catch (FormatException)
                {
                    // not a key
                }

                break;
        }
    }
}
