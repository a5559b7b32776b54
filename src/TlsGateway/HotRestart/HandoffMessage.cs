using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TlsGateway.Host.HotRestart;

/// <summary>
/// One message of the hot-restart conversation (docs/hot-restart.md): a JSON header and, for
/// <c>listeners</c>, the session-ticket keys as a binary tail that can be wiped (a managed string
/// could not). On the wire: 4-byte big-endian header length, header, tail; one SOCK_SEQPACKET
/// message each, with the listening sockets attached as SCM_RIGHTS in the order of
/// <see cref="Sockets"/>.
/// </summary>
internal sealed record HandoffMessage
{
    /// <summary>The protocol version a new process announces in <c>hello</c>; a mismatch is refused.</summary>
    public const int Version = 1;

    /// <summary>A message never needs more than this; anything longer is refused unread.</summary>
    public const int MaxLength = 64 * 1024;

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>hello (new→old), listeners (old→new), serving or failed (new→old), draining (old→new).</summary>
    public required string Type { get; init; }

    public int? ProtocolVersion { get; init; }

    public int? Pid { get; init; }

    public string? Reason { get; init; }

    public int? Connections { get; init; }

    /// <summary>What each attached descriptor is, in order.</summary>
    public IReadOnlyList<HandoffSocket>? Sockets { get; init; }

    [JsonIgnore]
    public byte[] Tail { get; init; } = [];

    public static HandoffMessage Hello() => new() { Type = "hello", ProtocolVersion = Version, Pid = Environment.ProcessId };

    public static HandoffMessage Serving() => new() { Type = "serving", Pid = Environment.ProcessId };

    public static HandoffMessage Failed(string reason) => new() { Type = "failed", Pid = Environment.ProcessId, Reason = reason };

    public static HandoffMessage Draining(int connections) => new() { Type = "draining", Pid = Environment.ProcessId, Connections = connections };

    /// <summary>The encoded message; the caller wipes it once sent (it may hold ticket keys).</summary>
    public byte[] Encode()
    {
        byte[] header = JsonSerializer.SerializeToUtf8Bytes(this, s_json);
        byte[] encoded = new byte[4 + header.Length + Tail.Length];
        BinaryPrimitives.WriteInt32BigEndian(encoded, header.Length);
        header.CopyTo(encoded, 4);
        Tail.CopyTo(encoded, 4 + header.Length);
        if (encoded.Length > MaxLength)
        {
            throw new IOException($"a hot-restart message of {encoded.Length} bytes exceeds {MaxLength}");
        }

        return encoded;
    }

    public static HandoffMessage Decode(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length < 4)
        {
            throw new IOException($"a hot-restart message of {encoded.Length} bytes is too short");
        }

        int headerLength = BinaryPrimitives.ReadInt32BigEndian(encoded);
        if (headerLength <= 0 || headerLength > encoded.Length - 4)
        {
            throw new IOException($"a hot-restart message declares a {headerLength}-byte header in {encoded.Length} bytes");
        }

        HandoffMessage? message;
        try
        {
            message = JsonSerializer.Deserialize<HandoffMessage>(encoded.Slice(4, headerLength), s_json);
        }
        catch (JsonException e)
        {
            throw new IOException($"a hot-restart message is not valid: {e.Message}", e);
        }

        return message is null || string.IsNullOrEmpty(message.Type)
            ? throw new IOException("a hot-restart message has no type")
            : message with { Tail = encoded[(4 + headerLength)..].ToArray() };
    }
}

/// <summary>One handed-over socket: an edge listener (with its ticket keys' place in the tail), the admin port or the SDS socket.</summary>
internal sealed record HandoffSocket(string Role, string Name, string Address, int TicketKeysOffset = 0, int TicketKeysLength = 0);
