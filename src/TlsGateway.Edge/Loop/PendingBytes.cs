using System.Buffers;
using TlsGateway.Interop;

namespace TlsGateway.Edge.Loop;

/// <summary>
/// Bytes a socket has not taken yet, in order, in pooled buffers. Most connections never queue
/// anything (the socket takes each write whole), so the queue itself is made on first use.
/// </summary>
internal sealed class PendingBytes
{
    private Queue<Chunk>? _chunks;

    public int Count => _chunks?.Count ?? 0;

    /// <summary>Bytes queued and not yet sent.</summary>
    public long Bytes { get; private set; }

    public void Add(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        (_chunks ??= new Queue<Chunk>()).Enqueue(Copy(data));
        Bytes += data.Length;
    }

    /// <summary>Puts <paramref name="data"/> before everything queued (a PROXY header ahead of early client bytes).</summary>
    public void AddFirst(ReadOnlySpan<byte> data)
    {
        var chunks = new Queue<Chunk>();
        chunks.Enqueue(Copy(data));
        if (_chunks is not null)
        {
            foreach (Chunk chunk in _chunks)
            {
                chunks.Enqueue(chunk);
            }
        }

        _chunks = chunks;
        Bytes += data.Length;
    }

    /// <summary>
    /// Sends <paramref name="data"/> on <paramref name="fd"/> at once when nothing waits before it,
    /// and queues what the socket does not take. Returns 0, or -errno when the socket failed, or
    /// ENOBUFS when the queue would pass <paramref name="limit"/> bytes. Nothing is sent for empty
    /// data: a send of nothing still fails on a socket already shut down for sending.
    /// </summary>
    public int Send(int fd, ReadOnlySpan<byte> data, long limit = long.MaxValue)
    {
        if (data.IsEmpty)
        {
            return 0;
        }

        if (Count == 0)
        {
            int sent = NativeLoop.Send(fd, data);
            if (sent == data.Length)
            {
                return 0;
            }

            if (sent < 0 && sent != NativeLoop.Again)
            {
                return sent;
            }

            data = data[Math.Max(sent, 0)..];
        }

        if (Bytes + data.Length > limit)
        {
            return NativeLoop.NoBufferSpace;
        }

        Add(data);
        return 0;
    }

    /// <summary>Sends until the queue is empty or the socket is full. Returns 0, or -errno when the socket failed.</summary>
    public int SendTo(int fd)
    {
        while (_chunks is { Count: > 0 })
        {
            Chunk chunk = _chunks.Peek();
            int sent = NativeLoop.Send(fd, chunk.Buffer.AsSpan(chunk.Offset, chunk.Length - chunk.Offset));
            if (sent == NativeLoop.Again)
            {
                return 0;
            }

            if (sent < 0)
            {
                return sent;
            }

            chunk.Offset += sent;
            Bytes -= sent;
            if (chunk.Offset < chunk.Length)
            {
                return 0;
            }

            ArrayPool<byte>.Shared.Return(_chunks.Dequeue().Buffer);
        }

        return 0;
    }

    /// <summary>Hands each queued chunk's bytes to <paramref name="consume"/>, in order, emptying the queue.</summary>
    public void Drain(BytesConsumer consume)
    {
        // One chunk at a time, taken off first: the consumer may clear the queue.
        while (_chunks is { Count: > 0 })
        {
            Chunk chunk = _chunks.Dequeue();
            Bytes -= chunk.Length - chunk.Offset;
            try
            {
                consume(chunk.Buffer.AsSpan(chunk.Offset, chunk.Length - chunk.Offset));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk.Buffer);
            }
        }
    }

    public void Clear()
    {
        while (_chunks is { Count: > 0 })
        {
            ArrayPool<byte>.Shared.Return(_chunks.Dequeue().Buffer);
        }

        Bytes = 0;
    }

    public delegate void BytesConsumer(ReadOnlySpan<byte> data);

    private static Chunk Copy(ReadOnlySpan<byte> data)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(buffer);
        return new Chunk(buffer, data.Length);
    }

    private sealed class Chunk(byte[] buffer, int length)
    {
        public byte[] Buffer { get; } = buffer;

        public int Length { get; } = length;

        public int Offset { get; set; }
    }
}
