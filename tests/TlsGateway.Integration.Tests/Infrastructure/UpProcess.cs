namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>`tlsgw up` on free loopback ports with a fresh data directory, started and listening.</summary>
public static class UpProcess
{
    /// <summary>Starts `up` without the Istio CA API and waits for its edge; returns the process, its data directory and edge port.</summary>
    public static async Task<(TlsgwProcess Process, string Data, int EdgePort)> StartAsync(string name)
    {
        string data = Path.Combine(TestPki.Instance.Directory, name + "-" + Guid.NewGuid().ToString("N"));
        int port = FreePort.Next();
        TlsgwProcess up = TlsgwProcess.Start(
            ["up", "--data", data, "--listen", $"127.0.0.1:{port}", "--upstream-listen", $"127.0.0.1:{FreePort.Next()}",
                "--admin", $"127.0.0.1:{FreePort.Next()}", "--ca-grpc", "off"]);
        try
        {
            await up.WaitForPortAsync(port);
            return (up, data, port);
        }
        catch
        {
            await up.DisposeAsync();
            throw;
        }
    }
}
