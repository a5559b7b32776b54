namespace TlsGateway.Storage;

/// <summary>The audit event kinds; stable strings, they are stored and exported.</summary>
public static class AuditKinds
{
    public const string Init = "init";
    public const string Issue = "issue";
    public const string Deny = "deny";
    public const string Revoke = "revoke";
    public const string Rotate = "rotate";
    public const string Retire = "retire";
    public const string KeyUse = "key-use";
}
