namespace TlsGateway.Storage;

/// <summary>The result of <see cref="AuditChain.Verify"/>.</summary>
/// <param name="Count">How many events were read, including any after the first break.</param>
/// <param name="FirstBreak">The earliest broken link, or null when every link verifies.</param>
public sealed record AuditVerification(long Count, AuditBreak? FirstBreak)
{
    public bool Ok => FirstBreak is null;
}
