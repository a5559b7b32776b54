using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using TlsGateway.Crypto;
using TlsGateway.Grpc.Envoy.Core;
using TlsGateway.Grpc.Envoy.Tls;
using EnvoySecret = TlsGateway.Grpc.Envoy.Tls.Secret;

namespace TlsGateway.Sds;

/// <summary>
/// The session-ticket keys an edge fleet shares, served as the `session-ticket-keys` secret in
/// Envoy's format: 80 random bytes per key (16 name, 32 HMAC, 32 AES), the first key encrypts
/// and every key decrypts. Each rotation promotes the key announced one period earlier to the
/// encrypting key — so every member already has it when tickets start arriving under it —
/// announces a new decrypt-only key, and drops the oldest beyond <see cref="AgentOptions.TicketKeysKept"/>.
/// The ring lives in a 0600 file so a restarted agent keeps resuming its fleet's tickets.
/// </summary>
public sealed class SessionTicketKeys : IAsyncDisposable
{
    public const int KeyLength = 80;

    private readonly string _path;
    private readonly AgentOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private Ring _ring;
    private Task _loop = Task.CompletedTask;

    public SessionTicketKeys(string path, AgentOptions options, ILogger logger, TimeProvider? time = null)
    {
        if (options.TicketKeysKept < 3)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "at least 3 ticket keys are kept: the encrypting one, the announced one and the previous one");
        }

        _path = path;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _ring = Load(path) ?? NewRing();
        Save();
        Publish();
    }

    public SecretCell Cell { get; } = new(SecretNames.SessionTicketKeys);

    /// <summary>The keys in served order (encrypting key first).</summary>
    public IReadOnlyList<byte[]> Keys
    {
        get
        {
            lock (_lock)
            {
                return _ring.Keys.Select(k => k.Bytes).ToList();
            }
        }
    }

    public void Start() => _loop = RunAsync(_stop.Token);

    /// <summary>One rotation step: promote the announced key, announce a new one, drop the oldest.</summary>
    public void Rotate()
    {
        lock (_lock)
        {
            // Served order: [encrypting, announced, older...]. The announced key moves to the front.
            List<StoredKey> keys = [.. _ring.Keys];
            StoredKey announced = keys[1];
            keys.RemoveAt(1);
            keys.Insert(0, announced);
            keys.Insert(1, NewKey());
            if (keys.Count > _options.TicketKeysKept)
            {
                keys.RemoveRange(_options.TicketKeysKept, keys.Count - _options.TicketKeysKept);
            }

            _ring = new Ring(_ring.Version + 1, _time.GetUtcNow(), keys);
            Save();
            Publish();
        }

        SdsLog.TicketKeysRotated(_logger, _ring.Keys.Count, _ring.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                TimeSpan due = _ring.RotatedAt + _options.TicketKeyRotation - _time.GetUtcNow();
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, _time, cancellationToken).ConfigureAwait(false);
                }

                Rotate();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Publish()
    {
        var keys = new TlsSessionTicketKeys();
        keys.Keys.AddRange(_ring.Keys.Select(k => new DataSource { InlineBytes = ByteString.CopyFrom(k.Bytes) }));
        var secret = new EnvoySecret { Name = SecretNames.SessionTicketKeys, SessionTicketKeys = keys };
        Cell.Publish(new SecretResource(secret, _ring.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private Ring NewRing() => new(1, _time.GetUtcNow(), [NewKey(), NewKey()]);

    private static StoredKey NewKey() => new(RandomNumberGenerator.GetBytes(KeyLength));

    private void Save()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        AtomicFile.Write(_path, JsonSerializer.SerializeToUtf8Bytes(_ring, RingJson.Default.Ring), AtomicFile.PrivateMode);
    }

    private static Ring? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        Ring? ring;
        try
        {
            ring = JsonSerializer.Deserialize(File.ReadAllBytes(path), RingJson.Default.Ring);
        }
        catch (JsonException e)
        {
            throw new IOException($"{path}: not a session-ticket key file ({e.Message})", e);
        }

        // The serializer leaves a missing "keys" (or a null entry) null whatever the record says: check for it.
        if (ring?.Keys is null || ring.Keys.Count < 2 || ring.Keys.Any(k => k?.Bytes is null || k.Bytes.Length != KeyLength))
        {
            throw new IOException($"{path}: a session-ticket key file needs at least 2 keys of exactly {KeyLength} bytes");
        }

        return ring;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    internal sealed record StoredKey(byte[] Bytes);

    internal sealed record Ring(long Version, DateTimeOffset RotatedAt, IReadOnlyList<StoredKey> Keys);
}

[JsonSerializable(typeof(SessionTicketKeys.Ring))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
internal sealed partial class RingJson : JsonSerializerContext
{
}
