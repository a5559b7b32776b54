namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// An open length-prefixed vector of a <see cref="TlsWriter"/>: disposing it writes the length of
/// what was written inside. Scopes nest; close them in reverse order, as <c>using</c> does.
/// </summary>
public readonly struct TlsVectorScope : IDisposable
{
    private readonly TlsWriter _writer;
    private readonly int _prefixAt;
    private readonly int _prefixBytes;

    internal TlsVectorScope(TlsWriter writer, int prefixAt, int prefixBytes)
    {
        _writer = writer;
        _prefixAt = prefixAt;
        _prefixBytes = prefixBytes;
    }

    public void Dispose()
    {
        _writer?.Close(_prefixAt, _prefixBytes);
    }
}
