using Npgsql;

namespace TlsGateway.Storage.Tests;

public class PostgresConnectionStringTests
{
    [Fact]
    public void A_postgres_uri_becomes_user_password_host_port_database_and_ssl_mode()
    {
        NpgsqlConnectionStringBuilder builder = PostgresConnectionString.Parse("postgres://ca:s3cret@db.internal:6543/tlsgw?sslmode=verify-full");

        Assert.Equal(
            ("ca", "s3cret", "db.internal", 6543, "tlsgw", SslMode.VerifyFull),
            (builder.Username, builder.Password, builder.Host, builder.Port, builder.Database, builder.SslMode));
    }

    [Fact]
    public void A_postgresql_uri_without_a_port_keeps_the_default_port()
    {
        NpgsqlConnectionStringBuilder builder = PostgresConnectionString.Parse("postgresql://ca@db/tlsgw");

        Assert.Equal(("ca", "db", 5432, "tlsgw"), (builder.Username, builder.Host, builder.Port, builder.Database));
    }

    [Fact]
    public void Percent_encoded_user_password_and_database_are_decoded()
    {
        NpgsqlConnectionStringBuilder builder = PostgresConnectionString.Parse("postgres://ca%40corp:p%3Aw%2Fd%40x@db:5432/my%20db?application_name=tlsgw%20ca");

        Assert.Equal(("ca@corp", "p:w/d@x", "my db", "tlsgw ca"), (builder.Username, builder.Password, builder.Database, builder.ApplicationName));
    }

    [Fact]
    public void A_bracketed_ipv6_host_loses_its_brackets()
    {
        NpgsqlConnectionStringBuilder builder = PostgresConnectionString.Parse("postgres://ca@[::1]:5433/tlsgw");

        Assert.Equal(("::1", 5433), (builder.Host, builder.Port));
        Assert.Equal("postgres://ca@[::1]:5433/tlsgw", PostgresConnectionString.Describe(builder));
    }

    [Fact]
    public void An_npgsql_connection_string_is_taken_as_it_is()
    {
        NpgsqlConnectionStringBuilder builder = PostgresConnectionString.Parse("Host=db;Port=5444;Username=ca;Password=s3cret;Database=tlsgw");

        Assert.Equal(("db", 5444, "ca", "s3cret", "tlsgw"), (builder.Host, builder.Port, builder.Username, builder.Password, builder.Database));
    }

    [Fact]
    public void The_description_never_contains_the_password()
    {
        NpgsqlConnectionStringBuilder builder = PostgresConnectionString.Parse("postgres://ca:s3cret@db:5432/tlsgw?sslmode=require");

        Assert.Equal("postgres://ca@db:5432/tlsgw", PostgresConnectionString.Describe(builder));
    }

    [Fact]
    public void An_unsupported_uri_parameter_is_refused_without_repeating_the_password()
    {
        var error = Assert.Throws<StoreException>(() => PostgresConnectionString.Parse("postgres://ca:s3cret@db/tlsgw?frobnicate=1"));

        Assert.Contains("frobnicate", error.Message);
        Assert.DoesNotContain("s3cret", error.Message);
    }
}
