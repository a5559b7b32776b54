namespace TlsGateway.Host.Admin;

/// <summary>One certificate this process serves or holds: which role holds it, under what name, and until when.</summary>
internal sealed record HeldCertificate(string Role, string Name, string Subject, string Serial, DateTimeOffset NotAfter);
