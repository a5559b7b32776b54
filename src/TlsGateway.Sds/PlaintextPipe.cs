using System.IO.Pipelines;

namespace TlsGateway.Sds;

/// <summary>The decrypted side of a CA API connection, handed to Kestrel in place of its ciphertext transport.</summary>
internal sealed record PlaintextPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
