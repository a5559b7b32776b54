namespace TlsGateway.Storage;

/// <summary>Life of a CA generation through a root rotation.</summary>
public enum CaGenerationState
{
    /// <summary>Its intermediate signs new leaves. Exactly one generation is active.</summary>
    Active = 0,
    /// <summary>Superseded: signs nothing, its root stays trusted until its last leaf expires.</summary>
    Retiring = 1,
    /// <summary>Every leaf it signed has expired; its root has left the bundle.</summary>
    Retired = 2,
}
