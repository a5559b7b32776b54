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

    /// <summary>An operator created a bootstrap (enrolment) token; the subject is the identity it enrols.</summary>
    public const string TokenCreate = "token-create";

    /// <summary>A bootstrap token was presented and spent.</summary>
    public const string TokenUse = "token-use";

    /// <summary>A bootstrap token was presented and refused (unknown, expired or already used).</summary>
    public const string TokenDeny = "token-deny";

    /// <summary>
    /// The store's contents were copied in from another store (<c>tlsgw ca store copy</c>); the
    /// events before it are the source's, verbatim. The subject is this store, the detail names
    /// the source (never with a password) and what was copied.
    /// </summary>
    public const string StoreCopy = "store-copy";
}
