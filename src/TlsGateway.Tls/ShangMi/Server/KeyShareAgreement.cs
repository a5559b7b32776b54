using System.Security.Cryptography;
using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The server's half of (EC)DHE (RFC 8446 §4.2.8, §7.4.2): a fresh key pair of the chosen group,
/// the public share for ServerHello, and the shared secret with the client's share. Both groups
/// here use a 65-byte uncompressed point (§4.2.8.2) and the 32-byte x-coordinate as the secret.
/// A share that is not a valid point is illegal_parameter (§4.2.8.2: peers MUST validate).
/// </summary>
internal static class KeyShareAgreement
{
    private const int PointLength = 65;

    public static bool IsImplemented(NamedGroup group) => group is NamedGroup.CurveSm2 or NamedGroup.Secp256r1;

    /// <summary>Returns the shared secret (the caller wipes it) and the server's share.</summary>
    public static byte[] Agree(NamedGroup group, ReadOnlySpan<byte> clientShare, out byte[] serverShare)
    {
        if (clientShare.Length != PointLength || clientShare[0] != 0x04)
        {
            throw new TlsProtocolException(AlertDescription.IllegalParameter,
                $"a {group} key share of {clientShare.Length} bytes is not an uncompressed point (RFC 8446 §4.2.8.2)");
        }

        return group switch
        {
            NamedGroup.CurveSm2 => AgreeSm2(clientShare, out serverShare),
            NamedGroup.Secp256r1 => AgreeP256(clientShare, out serverShare),
            _ => throw new InvalidOperationException($"group {group} is not implemented"),
        };
    }

    private static byte[] AgreeSm2(ReadOnlySpan<byte> clientShare, out byte[] serverShare)
    {
        using var exchange = new Sm2KeyExchange();
        try
        {
            byte[] secret = exchange.DeriveSharedSecret(clientShare);
            serverShare = exchange.KeyShare.ToArray();
            return secret;
        }
        catch (Sm2PointException e)
        {
            throw new TlsProtocolException(AlertDescription.IllegalParameter, e.Message);
        }
    }

    private static byte[] AgreeP256(ReadOnlySpan<byte> clientShare, out byte[] serverShare)
    {
        ECDiffieHellman peer;
        try
        {
            // Importing checks the point is on the curve (OpenSSL's EC_KEY_check_key underneath).
            peer = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = clientShare.Slice(1, 32).ToArray(), Y = clientShare.Slice(33, 32).ToArray() },
            });
        }
        catch (CryptographicException e)
        {
            throw new TlsProtocolException(AlertDescription.IllegalParameter, $"the secp256r1 key share is not a point on the curve: {e.Message}");
        }

        using (peer)
        using (var own = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256))
        {
            ECParameters ours = own.ExportParameters(includePrivateParameters: false);
            serverShare = new byte[PointLength];
            serverShare[0] = 0x04;
            ours.Q.X!.CopyTo(serverShare, 1);
            ours.Q.Y!.CopyTo(serverShare, 33);
            try
            {
                return own.DeriveRawSecretAgreement(peer.PublicKey);
            }
            catch (CryptographicException e)
            {
                throw new TlsProtocolException(AlertDescription.IllegalParameter, $"secp256r1 agreement failed: {e.Message}");
            }
        }
    }
}
