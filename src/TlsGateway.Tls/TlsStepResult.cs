using TlsGateway.Interop;

namespace TlsGateway.Tls;

/// <summary>What one call into the engine did.</summary>
/// <param name="PlaintextLength">Decrypted bytes written to the caller's plaintext buffer.</param>
/// <param name="OutputLength">Ciphertext written to the caller's output buffer, to send to the peer.</param>
/// <param name="Consumed">Plaintext taken by a write.</param>
public readonly record struct TlsStepResult(NativeStatus Status, int PlaintextLength, int OutputLength, int Consumed, NativeFlags Flags)
{
    public bool HandshakeDone => (Flags & NativeFlags.HandshakeDone) != 0;

    public bool OutputPending => (Flags & NativeFlags.OutputPending) != 0;

    public bool PlaintextPending => (Flags & NativeFlags.PlaintextPending) != 0;
}
