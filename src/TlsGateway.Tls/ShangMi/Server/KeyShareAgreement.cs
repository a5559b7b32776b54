namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The server's half of (EC)DHE (RFC 8446 §4.2.8, §7.4.2): a fresh key pair of the chosen group
/// (<see cref="EphemeralKeyShare"/>), the public share for ServerHello, and the shared secret with
/// the client's share, which is validated there (illegal_parameter if it is not a point).
/// </summary>
internal static class KeyShareAgreement
{
    public static bool IsImplemented(NamedGroup group) => EphemeralKeyShare.IsImplemented(group);

    /// <summary>Returns the shared secret (the caller wipes it) and the server's share.</summary>
    public static byte[] Agree(NamedGroup group, ReadOnlySpan<byte> clientShare, out byte[] serverShare)
    {
        using EphemeralKeyShare own = EphemeralKeyShare.Generate(group);
        byte[] secret = own.Agree(clientShare);
        serverShare = own.PublicShare;
        return secret;
    }
}
