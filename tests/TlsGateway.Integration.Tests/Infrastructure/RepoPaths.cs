namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>Locates the repository (for fixture scripts) and the built tlsgw binary.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>tlsgw.dll, copied next to the test assembly by the project reference.</summary>
    public static string TlsgwDll => Path.Combine(AppContext.BaseDirectory, "tlsgw.dll");

    private static string FindRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "TlsGateway.sln")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        return directory ?? throw new InvalidOperationException("TlsGateway.sln not found above " + AppContext.BaseDirectory);
    }
}
