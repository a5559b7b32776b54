using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using TlsGateway.Crypto;
using TlsGateway.Identity;
using TlsGateway.Interop;
using EnvoySecret = TlsGateway.Grpc.Envoy.Tls.Secret;

namespace TlsGateway.Sds;

/// <summary>
/// SDS secrets kept as files, for a consumer that loads and watches files (our edge): each
/// subscribed certificate becomes NAME/cert.pem + NAME/key.pem (0600), each ticket-key secret
/// NAME/keys (80-byte keys back to back, 0600), in a private directory (0700). A secret is
/// checked before it is written (the key matches the certificate, which has not expired; every
/// ticket key is 80 bytes); one that fails is NACKed and the files keep the previous version.
/// </summary>
public sealed class SdsFileMirror : IAsyncDisposable
{
    private const int TicketKeyLength = 80;
    private const int MaxTicketKeys = 8;

    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string Socket, string Name), SdsSubscription> _subscriptions = new();

    public SdsFileMirror(string directory, ILogger logger)
    {
        _directory = directory;
        _logger = logger;
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The files of certificate NAME from the agent at SOCKET, once its first version is written.</summary>
    /// <exception cref="SdsSecretUnavailableException">The agent refused it, or no acceptable version arrived within <paramref name="wait"/>.</exception>
    public async Task<(string Certificate, string Key)> CertificateAsync(string socket, string name, TimeSpan wait)
    {
        string directory = DirectoryFor(socket, name);
        (string certificate, string key) = (Path.Combine(directory, "cert.pem"), Path.Combine(directory, "key.pem"));
        await SubscribeAsync(socket, name, secret => WriteCertificate(secret, certificate, key), wait).ConfigureAwait(false);
        return (certificate, key);
    }

    /// <summary>The key file of ticket-key secret NAME from the agent at SOCKET, once its first version is written.</summary>
    public async Task<string> TicketKeysAsync(string socket, string name, TimeSpan wait)
    {
        string file = Path.Combine(DirectoryFor(socket, name), "keys");
        await SubscribeAsync(socket, name, secret => WriteTicketKeys(secret, file), wait).ConfigureAwait(false);
        return file;
    }

    private async Task SubscribeAsync(string socket, string name, Func<EnvoySecret, string?> apply, TimeSpan wait)
    {
        SdsSubscription subscription = _subscriptions.GetOrAdd((socket, name), key => new SdsSubscription(key.Socket, key.Name, apply, _logger));
        try
        {
            await subscription.FirstApplied.WaitAsync(wait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new SdsSecretUnavailableException(
                $"SDS secret '{name}' from unix:{socket} did not arrive within {wait.TotalSeconds:0} s (is the agent running, and does its policy give this process that secret?)");
        }
    }

    private string DirectoryFor(string socket, string name)
    {
        // One directory per (socket, name): the hash keeps names from two agents apart and any name a safe file name.
        string id = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(socket + "\n" + name)))[..16];
        string directory = Path.Combine(_directory, id);
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return directory;
    }

    internal static string? WriteCertificate(EnvoySecret secret, string certificateFile, string keyFile)
    {
        if (secret.TypeCase != EnvoySecret.TypeOneofCase.TlsCertificate)
        {
            return $"'{secret.Name}' is a {secret.TypeCase} secret, not a TLS certificate";
        }

        string chain = secret.TlsCertificate.CertificateChain?.InlineBytes.ToStringUtf8() ?? "";
        string key = secret.TlsCertificate.PrivateKey?.InlineBytes.ToStringUtf8() ?? "";
        if (chain.Length == 0 || key.Length == 0)
        {
            return "the certificate or the private key is missing (only inline_bytes is accepted)";
        }

        // The bytes the files will hold (PEM is ASCII), checked as the edge will read them.
        byte[] chainBytes = System.Text.Encoding.ASCII.GetBytes(chain);
        byte[] keyBytes = System.Text.Encoding.ASCII.GetBytes(key);
        try
        {
            if (Check(secret.Name, chainBytes, keyBytes) is { } refusal)
            {
                return refusal;
            }

            // Key first: the edge reloads a moment after the last change, when both files agree.
            AtomicFile.Write(keyFile, keyBytes, AtomicFile.PrivateMode);
            AtomicFile.Write(certificateFile, chainBytes, AtomicFile.PublicMode);
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyBytes);
        }
    }

    private static string? Check(string name, byte[] chainBytes, byte[] keyBytes)
    {
        try
        {
            // Loaded as the edge will load the files, with OpenSSL, which reads every certificate
            // of the chain: a version only OpenSSL refuses must be NACKed here, not ACKed and then
            // fail the edge's reload.
            using CertificateKeyPair loadable = CertificateKeyPair.FromPem(chainBytes, keyBytes, $"of SDS secret '{SafeText.Of(name)}'");
            if (loadable.Leaf.NotAfter.ToUniversalTime() <= DateTime.UtcNow)
            {
                return $"the certificate expired at {loadable.Leaf.NotAfter.ToUniversalTime():O}";
            }

            // The key matches the leaf when its public half is the leaf's SubjectPublicKeyInfo,
            // compared as OpenSSL exports it: this holds for SM2 keys too, which .NET cannot open.
            return NativeSigning.ExportPublicKey(loadable.Key).AsSpan().SequenceEqual(loadable.Leaf.PublicKey.ExportSubjectPublicKeyInfo())
                ? null
                : "the private key does not match the certificate";
        }
        catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException)
        {
            // PlatformNotSupportedException: a key on a curve .NET does not know (an unknown OID).
            return $"the certificate or key cannot be read: {e.Message}";
        }
        catch (CryptoConfigurationException e)
        {
            return $"the certificate chain or key cannot be loaded: {e.Message}";
        }
    }

    internal static string? WriteTicketKeys(EnvoySecret secret, string file)
    {
        if (secret.TypeCase != EnvoySecret.TypeOneofCase.SessionTicketKeys)
        {
            return $"'{secret.Name}' is a {secret.TypeCase} secret, not session-ticket keys";
        }

        var keys = secret.SessionTicketKeys.Keys.Select(k => k.InlineBytes.ToByteArray()).ToList();
        if (keys.Count is 0 or > MaxTicketKeys || keys.Any(k => k.Length != TicketKeyLength))
        {
            return $"expected 1 to {MaxTicketKeys} ticket keys of exactly {TicketKeyLength} bytes, got {keys.Count} of {string.Join('/', keys.Select(k => k.Length))} bytes";
        }

        byte[] content = keys.SelectMany(k => k).ToArray();
        try
        {
            AtomicFile.Write(file, content, AtomicFile.PrivateMode);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
            keys.ForEach(k => CryptographicOperations.ZeroMemory(k));
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (SdsSubscription subscription in _subscriptions.Values)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
    }
}
