namespace TlsGateway.Storage.Tests.Infrastructure;

/// <summary>Every test class that needs PostgreSQL shares one throwaway cluster.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
