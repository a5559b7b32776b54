namespace TlsGateway.Storage;

/// <summary>What presenting a bootstrap token did; one audit detail and metric label per value.</summary>
public enum BootstrapTokenOutcome
{
    /// <summary>The token was unused and unexpired; it is now spent and its identity granted.</summary>
    Consumed,
    /// <summary>No token with this hash was ever created (or it was mistyped).</summary>
    Unknown,
    /// <summary>The token exists but its expiry has passed; it stays unused.</summary>
    Expired,
    /// <summary>The token was already spent; a second use is refused.</summary>
    AlreadyUsed,
}
