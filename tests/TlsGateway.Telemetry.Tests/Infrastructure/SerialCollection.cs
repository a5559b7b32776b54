namespace TlsGateway.Telemetry.Tests.Infrastructure;

/// <summary>
/// For tests whose collector listens to every "TlsGateway*" meter in the process: run alone, so
/// they neither see other tests' instruments nor slow down (or allocate in) their measurements.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Listens to every TlsGateway meter";
}
