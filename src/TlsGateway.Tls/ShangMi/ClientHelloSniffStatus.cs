namespace TlsGateway.Tls.ShangMi;

/// <summary>What <see cref="ClientHelloSniffer"/> made of the first bytes of a connection.</summary>
public enum ClientHelloSniffStatus
{
    /// <summary>So far a plausible TLS handshake; read more and ask again.</summary>
    NeedMoreData,

    /// <summary>Not a TLS handshake record (plain HTTP, SSLv2, another protocol): close, or serve it as plaintext.</summary>
    NotTls,

    /// <summary>
    /// TLS records, but not a well-formed ClientHello (wrong first message, interleaved records,
    /// bad lengths). Hand it to the OpenSSL engine, which answers with the proper alert.
    /// </summary>
    Malformed,

    /// <summary>The ClientHello (or its fragments) exceeds the sniffer's cap: refuse the connection.</summary>
    TooLarge,

    /// <summary>A complete ClientHello was read; <see cref="ClientHelloSniffResult.Summary"/> describes it.</summary>
    ClientHello,
}
