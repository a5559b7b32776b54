using System.Text;

namespace TlsGateway.Identity;

/// <summary>
/// Makes text that came from a peer (a CSR's SANs, a requested ID) safe to put in an error
/// message, an audit record or a log line: capped in length, and with control characters
/// written as U+XXXX so nothing can forge a line or drive a terminal.
/// </summary>
public static class SafeText
{
    public const int DefaultMaxLength = 128;

    public static string Of(string? text, int maxLength = DefaultMaxLength)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var result = new StringBuilder(Math.Min(text.Length, maxLength) + 8);
        foreach (char c in text.Length > maxLength ? text[..maxLength] : text)
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029')
            {
                result.Append("U+").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                result.Append(c);
            }
        }

        return text.Length > maxLength ? result.Append('…').ToString() : result.ToString();
    }
}
