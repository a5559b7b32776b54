using System.Security.Cryptography;
using Org.BouncyCastle.Math;

namespace TlsGateway.Ca;

/// <summary>
/// Certificate serial numbers: 16 random bytes with the top bit cleared, so a positive
/// INTEGER of at most 16 octets with 127 bits of entropy (RFC 5280 §4.1.2.2 allows 20 octets;
/// CA/Browser Forum BR §7.1 asks for ≥ 64 bits of CSPRNG output).
/// </summary>
public static class SerialNumber
{
    public static BigInteger New()
    {
        Span<byte> bytes = stackalloc byte[16];
        BigInteger serial;
        do
        {
            RandomNumberGenerator.Fill(bytes);
            bytes[0] &= 0x7F;
            serial = new BigInteger(1, bytes.ToArray());
        }
        while (serial.SignValue == 0);

        return serial;
    }

    /// <summary>The ledger's form: lower-case hex, no leading zeros.</summary>
    public static string ToText(BigInteger serial) => serial.ToString(16).ToLowerInvariant();

    /// <summary>Parses hex with or without colons, "0x" or leading zeros (what openssl and browsers print).</summary>
    public static bool TryParse(string text, out string normalized)
    {
        normalized = "";
        string hex = text.Trim().Replace(":", "", StringComparison.Ordinal);
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[2..];
        }

        if (hex.Length == 0 || hex.Length > 40 || !hex.All(Uri.IsHexDigit))
        {
            return false;
        }

        normalized = ToText(new BigInteger(hex, 16));
        return true;
    }
}
