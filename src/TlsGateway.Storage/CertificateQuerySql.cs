namespace TlsGateway.Storage;

/// <summary>
/// The WHERE clause of a <see cref="CertificateQuery"/>, written once for both dialects: each
/// passes how it stores status and times (SQLite: integer and Unix milliseconds; PostgreSQL:
/// smallint and timestamptz) and binds the returned parameters its own way.
/// </summary>
internal static class CertificateQuerySql
{
    public static (string Where, List<KeyValuePair<string, object>> Parameters) Build(CertificateQuery query,
        Func<CertificateStatus, object> status, Func<DateTimeOffset, object> time)
    {
        var conditions = new List<string>();
        var parameters = new List<KeyValuePair<string, object>>();
        void Add(string condition, string name, object value)
        {
            conditions.Add(condition);
            parameters.Add(new(name, value));
        }

        if (query.SpiffeId is not null)
        {
            Add("spiffe_id = @spiffe_id", "spiffe_id", query.SpiffeId);
        }

        if (query.Status is { } wanted)
        {
            Add("status = @status", "status", status(wanted));
        }

        if (query.Generation is { } generation)
        {
            Add("generation = @generation", "generation", generation);
        }

        if (query.NotAfterBefore is { } before)
        {
            Add("not_after < @before", "before", time(before));
        }

        if (query.NotAfterAfter is { } after)
        {
            Add("not_after > @after", "after", time(after));
        }

        return (conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions), parameters);
    }
}
