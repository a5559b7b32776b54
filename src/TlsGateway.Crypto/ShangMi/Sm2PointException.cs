using System.Security.Cryptography;

namespace TlsGateway.Crypto.ShangMi;

/// <summary>
/// A point offered as an SM2 public key or key share that is the wrong length, not in the
/// uncompressed form, or not on the curve. In TLS this is the peer's fault: RFC 8446 §4.2.8.2
/// requires the handshake to fail with an illegal_parameter alert.
/// </summary>
public sealed class Sm2PointException : CryptographicException
{
    public Sm2PointException(string message)
        : base(message)
    {
    }

    public Sm2PointException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Throws unless <paramref name="point"/> has the shape 04 || x || y (SEC 1 §2.3.3, RFC 8446 §4.2.8.2).</summary>
    internal static void ThrowIfMalformed(ReadOnlySpan<byte> point, string what)
    {
        if (point.Length != Sm2Key.PublicPointSizeInBytes)
        {
            throw new Sm2PointException(
                $"{what} is {point.Length} bytes; an SM2 point is {Sm2Key.PublicPointSizeInBytes} bytes, uncompressed (04 || x || y)");
        }

        if (point[0] != 0x04)
        {
            throw new Sm2PointException(point[0] is 0x02 or 0x03
                ? $"{what} is compressed; TLS 1.3 and this API take only uncompressed points (04 || x || y)"
                : $"{what} starts with 0x{point[0]:x2}, not 04 (uncompressed point)");
        }
    }
}
