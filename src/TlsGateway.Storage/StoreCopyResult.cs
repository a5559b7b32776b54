namespace TlsGateway.Storage;

/// <summary>What <see cref="CaStoreCopy.RunAsync"/> copied.</summary>
/// <param name="Source">The source's <see cref="ICaStore.Description"/> (never with a password).</param>
/// <param name="Destination">The destination's <see cref="ICaStore.Description"/>.</param>
/// <param name="Copied">What the source held at the copy's read snapshot, and the destination now holds before <paramref name="Recorded"/>.</param>
/// <param name="Recorded">The <see cref="AuditKinds.StoreCopy"/> event appended on the destination after the copied log.</param>
public sealed record StoreCopyResult(string Source, string Destination, StoreContents Copied, AuditEvent Recorded);
