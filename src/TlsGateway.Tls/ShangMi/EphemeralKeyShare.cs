using System.Security.Cryptography;
using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// One side's fresh (EC)DHE key pair of a group (RFC 8446 §4.2.8, §7.4.2): the public share for
/// key_share and the shared secret with the peer's share. Both groups here use a 65-byte
/// uncompressed point (§4.2.8.2) and the 32-byte x-coordinate as the secret. A peer share that is
/// not a valid point is illegal_parameter (§4.2.8.2: peers MUST validate). The private key lives
/// only as long as this object: a client keeps it from ClientHello to ServerHello, a server for one call.
/// </summary>
internal sealed class EphemeralKeyShare : IDisposable
{
    private const int PointLength = 65;

    private readonly Sm2KeyExchange? _sm2;
    private readonly ECDiffieHellman? _p256;

    private EphemeralKeyShare(NamedGroup group, Sm2KeyExchange? sm2, ECDiffieHellman? p256, byte[] publicShare)
    {
        Group = group;
        _sm2 = sm2;
        _p256 = p256;
        PublicShare = publicShare;
    }

    public NamedGroup Group { get; }

    /// <summary>The uncompressed point sent as key_exchange.</summary>
    public byte[] PublicShare { get; }

    public KeyShareEntry Entry => new(Group, PublicShare);

    public static bool IsImplemented(NamedGroup group) => group is NamedGroup.CurveSm2 or NamedGroup.Secp256r1;

    public static EphemeralKeyShare Generate(NamedGroup group)
    {
        switch (group)
        {
            case NamedGroup.CurveSm2:
                var sm2 = new Sm2KeyExchange();
                return new EphemeralKeyShare(group, sm2, null, sm2.KeyShare.ToArray());
            case NamedGroup.Secp256r1:
                var p256 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
                ECParameters ours = p256.ExportParameters(includePrivateParameters: false);
                byte[] share = new byte[PointLength];
                share[0] = 0x04;
                ours.Q.X!.CopyTo(share, 1);
                ours.Q.Y!.CopyTo(share, 33);
                return new EphemeralKeyShare(group, null, p256, share);
            default:
                throw new InvalidOperationException($"group {group} is not implemented");
        }
    }

    /// <summary>The shared secret with <paramref name="peerShare"/>; the caller wipes it.</summary>
    public byte[] Agree(ReadOnlySpan<byte> peerShare)
    {
        if (peerShare.Length != PointLength || peerShare[0] != 0x04)
        {
            throw new TlsProtocolException(AlertDescription.IllegalParameter,
                $"a {Group} key share of {peerShare.Length} bytes is not an uncompressed point (RFC 8446 §4.2.8.2)");
        }

        return _sm2 is not null ? AgreeSm2(_sm2, peerShare) : AgreeP256(_p256!, peerShare);
    }

    public void Dispose()
    {
        _sm2?.Dispose();
        _p256?.Dispose();
    }

    private static byte[] AgreeSm2(Sm2KeyExchange own, ReadOnlySpan<byte> peerShare)
    {
        try
        {
            return own.DeriveSharedSecret(peerShare);
        }
        catch (Sm2PointException e)
        {
            throw new TlsProtocolException(AlertDescription.IllegalParameter, e.Message);
        }
    }

    private static byte[] AgreeP256(ECDiffieHellman own, ReadOnlySpan<byte> peerShare)
    {
        ECDiffieHellman peer;
        try
        {
            // Importing checks the point is on the curve (OpenSSL's EC_KEY_check_key underneath).
            peer = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = peerShare.Slice(1, 32).ToArray(), Y = peerShare.Slice(33, 32).ToArray() },
            });
        }
        catch (CryptographicException e)
        {
            throw new TlsProtocolException(AlertDescription.IllegalParameter, $"the secp256r1 key share is not a point on the curve: {e.Message}");
        }

        using (peer)
        {
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
