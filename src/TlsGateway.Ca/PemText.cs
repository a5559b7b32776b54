using System.Text;

namespace TlsGateway.Ca;

/// <summary>PEM encoding (RFC 7468) for certificates, CRLs and CSRs.</summary>
public static class PemText
{
    public static string Encode(string label, ReadOnlySpan<byte> der) => new string(System.Security.Cryptography.PemEncoding.Write(label, der)) + "\n";

    public static string EncodeAll(string label, IEnumerable<byte[]> ders)
    {
        var text = new StringBuilder();
        foreach (byte[] der in ders)
        {
            text.Append(Encode(label, der));
        }

        return text.ToString();
    }

    /// <summary>Every block with the given label, in order.</summary>
    public static List<byte[]> DecodeAll(string pem, string label)
    {
        var result = new List<byte[]>();
        ReadOnlySpan<char> rest = pem;
        while (System.Security.Cryptography.PemEncoding.TryFind(rest, out System.Security.Cryptography.PemFields fields))
        {
            if (rest[fields.Label].SequenceEqual(label))
            {
                result.Add(Convert.FromBase64String(rest[fields.Base64Data].ToString()));
            }

            rest = rest[fields.Location.End.Value..];
        }

        return result;
    }

    public static byte[] DecodeFirst(string pem, string label)
    {
        List<byte[]> all = DecodeAll(pem, label);
        return all.Count > 0 ? all[0] : throw new FormatException($"no PEM block labelled {label}");
    }
}
