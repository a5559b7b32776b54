using System.Buffers;

namespace TlsGateway.Tls;

/// <summary>
/// The ciphertext a <see cref="TlsStream"/> has to send, in the order the engine produced it.
/// Every engine call that can produce output runs under one lock and queues what it produced
/// before the lock is released; a single flusher at a time writes the queue out in order. So a
/// reader's post-handshake output (a KeyUpdate reply) and a writer's records never interleave
/// out of order, and neither has to wait for the other's network write to call the engine.
/// </summary>
internal sealed class TlsOutbox
{
    // One engine call encrypts a batch of records into one pooled buffer (see SslWrite).
    private const int OutputBufferSize = 64 * 1024;

    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly object _gate = new();
    private readonly Queue<(byte[] Buffer, int Length)> _queue = new();
    private long _queuedBytes;

    /// <summary>Bytes produced and not yet written out.</summary>
    public long QueuedBytes => Volatile.Read(ref _queuedBytes);

    public TlsStepResult Process(TlsConnection connection, ReadOnlySpan<byte> input, Span<byte> plaintext)
    {
        lock (_gate)
        {
            byte[] output = ArrayPool<byte>.Shared.Rent(OutputBufferSize);
            TlsStepResult step = connection.Process(input, plaintext, output);
            QueueOutput(connection, output, step);
            return step;
        }
    }

    public TlsStepResult Encrypt(TlsConnection connection, ReadOnlySpan<byte> plaintext)
    {
        lock (_gate)
        {
            byte[] output = ArrayPool<byte>.Shared.Rent(OutputBufferSize);
            TlsStepResult step = connection.Write(plaintext, output);
            QueueOutput(connection, output, step);
            return step;
        }
    }

    /// <summary>Queues close_notify (RFC 8446 section 6.1).</summary>
    public void QueueShutdown(TlsConnection connection)
    {
        lock (_gate)
        {
            byte[] output = ArrayPool<byte>.Shared.Rent(OutputBufferSize);
            Enqueue(output, connection.Shutdown(output));
        }
    }

    /// <summary>Writes everything queued to <paramref name="destination"/>, in order; one flusher at a time.</summary>
    public async Task FlushToAsync(Stream destination, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            bool wrote = false;
            while (true)
            {
                (byte[] Buffer, int Length) item;
                lock (_gate)
                {
                    if (!_queue.TryDequeue(out item))
                    {
                        break;
                    }

                    _queuedBytes -= item.Length;
                }

                try
                {
                    await destination.WriteAsync(item.Buffer.AsMemory(0, item.Length), cancellationToken).ConfigureAwait(false);
                    wrote = true;
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(item.Buffer);
                }
            }

            if (wrote)
            {
                await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Returns the buffers of whatever was never sent (the stream is going away).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            while (_queue.TryDequeue(out var item))
            {
                ArrayPool<byte>.Shared.Return(item.Buffer);
            }

            _queuedBytes = 0;
        }
    }

    private void QueueOutput(TlsConnection connection, byte[] output, TlsStepResult step)
    {
        Enqueue(output, step.OutputLength);
        bool more = step.OutputPending;
        while (more)
        {
            byte[] extra = ArrayPool<byte>.Shared.Rent(OutputBufferSize);
            Enqueue(extra, connection.DrainOutput(extra, out more));
        }
    }

    private void Enqueue(byte[] buffer, int length)
    {
        if (length > 0)
        {
            _queue.Enqueue((buffer, length));
            _queuedBytes += length;
        }
        else
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
