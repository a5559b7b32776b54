using System.Security.Cryptography;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The first stage of the RFC 8446 §7.1 key schedule: Early Secret = HKDF-Extract(0, PSK), with
/// a string of Hash.length zeros in place of the PSK when none is used. From it come the PSK
/// binder keys (§4.2.11.2), the 0-RTT secrets, and, once the (EC)DHE shared secret is known, the
/// handshake stage.
/// </summary>
public sealed class KeyScheduleEarly : KeyScheduleStage
{
    private KeyScheduleEarly(Tls13CipherSuite suite, byte[] earlySecret)
        : base(suite, earlySecret)
    {
    }

    /// <summary>A full handshake: no PSK.</summary>
    public static KeyScheduleEarly WithoutPsk(Tls13CipherSuite suite) => Create(suite, []);

    /// <summary>
    /// A PSK handshake (resumption or external). The PSK must be Hash.length bytes: a resumption
    /// PSK always is (§4.6.1), and an external PSK is tied to one hash (§4.2.11).
    /// </summary>
    public static KeyScheduleEarly WithPsk(Tls13CipherSuite suite, ReadOnlySpan<byte> psk)
    {
        if (psk.Length != suite.HashLength)
        {
            throw new ArgumentException($"a {suite.Name} PSK is {suite.HashLength} bytes, not {psk.Length}", nameof(psk));
        }

        return Create(suite, psk);
    }

    /// <summary>binder_key = Derive-Secret(Early Secret, "res binder", "") (RFC 8446 §7.1): the base key of a resumption PSK's binder.</summary>
    public Tls13Secret DeriveResumptionBinderKey() => DeriveOfNoMessages("res binder"u8);

    /// <summary>binder_key = Derive-Secret(Early Secret, "ext binder", "") for an external PSK (RFC 8446 §7.1).</summary>
    public Tls13Secret DeriveExternalBinderKey() => DeriveOfNoMessages("ext binder"u8);

    /// <summary>client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic", ClientHello).</summary>
    public Tls13Secret DeriveClientEarlyTrafficSecret(ReadOnlySpan<byte> clientHelloHash) => Derive("c e traffic"u8, clientHelloHash);

    /// <summary>early_exporter_master_secret = Derive-Secret(Early Secret, "e exp master", ClientHello).</summary>
    public Tls13Secret DeriveEarlyExporterMasterSecret(ReadOnlySpan<byte> clientHelloHash) => Derive("e exp master"u8, clientHelloHash);

    /// <summary>
    /// Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret, "derived", ""), (EC)DHE)
    /// (RFC 8446 §7.1). This stage is wiped and disposed; the returned stage owns the new secret.
    /// </summary>
    public KeyScheduleHandshake IntoHandshake(ReadOnlySpan<byte> sharedSecret) =>
        new(Suite, ExtractNext(sharedSecret));

    private Tls13Secret DeriveOfNoMessages(ReadOnlySpan<byte> label)
    {
        Span<byte> emptyHash = stackalloc byte[Suite.HashLength];
        Suite.Hash.HashData([], emptyHash);
        return Derive(label, emptyHash);
    }

    private static KeyScheduleEarly Create(Tls13CipherSuite suite, ReadOnlySpan<byte> psk)
    {
        // Both the salt and, without a PSK, the IKM are Hash.length zeros (§7.1).
        Span<byte> zeros = stackalloc byte[suite.HashLength];
        zeros.Clear();
        byte[] earlySecret = new byte[suite.HashLength];
        suite.Hash.Extract(zeros, psk.IsEmpty ? zeros : psk, earlySecret);
        return new KeyScheduleEarly(suite, earlySecret);
    }
}
