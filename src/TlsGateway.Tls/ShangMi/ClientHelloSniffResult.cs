namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The outcome of one <see cref="ClientHelloSniffer.Sniff"/> call. <see cref="Summary"/> is set only
/// for <see cref="ClientHelloSniffStatus.ClientHello"/>; <see cref="Reason"/> says why for the
/// others, for a Debug log line (never for the peer).
/// </summary>
public sealed record ClientHelloSniffResult(ClientHelloSniffStatus Status, ClientHelloSummary? Summary, string? Reason)
{
    public static ClientHelloSniffResult NeedMoreData { get; } = new(ClientHelloSniffStatus.NeedMoreData, null, null);

    public static ClientHelloSniffResult NotTls(string reason) => new(ClientHelloSniffStatus.NotTls, null, reason);

    public static ClientHelloSniffResult Malformed(string reason) => new(ClientHelloSniffStatus.Malformed, null, reason);

    public static ClientHelloSniffResult TooLarge(string reason) => new(ClientHelloSniffStatus.TooLarge, null, reason);

    public static ClientHelloSniffResult Complete(ClientHelloSummary summary) => new(ClientHelloSniffStatus.ClientHello, summary, null);
}
