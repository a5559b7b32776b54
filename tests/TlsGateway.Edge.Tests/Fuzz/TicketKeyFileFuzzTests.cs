using System.Security.Cryptography;
using TlsGateway.Tls;
using Xunit.Abstractions;

namespace TlsGateway.Edge.Tests.Fuzz;

/// <summary>
/// A listener's session-ticket key file under mutated content (<see cref="Fuzzer"/>): it installs
/// (1-8 keys of 80 bytes) or is refused with a <see cref="TlsConfigurationException"/> naming the
/// file, never with another exception, and what is installed is exactly what the file holds.
/// </summary>
public sealed class TicketKeyFileFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Mutated_ticket_key_files_install_or_are_refused_with_a_configuration_error()
    {
        byte[][] seeds = [RandomNumberGenerator.GetBytes(80), RandomNumberGenerator.GetBytes(160), RandomNumberGenerator.GetBytes(640)];
        string path = _directory.PathOf("ticket.keys");
        using var ring = new TicketKeyRing();

        int runs = Fuzzer.Run(seeds, input =>
        {
            File.WriteAllBytes(path, input);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            TicketKeyFile.LoadInto(ring, path);
            Assert.Equal(input.Length / TicketKeyRing.KeyLength, ring.KeyNames.Count);
            Assert.Equal(Convert.ToHexString(input.AsSpan(0, 16)), ring.KeyNames[0]);
        }, e => e is TlsConfigurationException);

        output.WriteLine($"{runs} inputs in {Fuzzer.Budget.TotalSeconds} s");

        Assert.True(runs > 100, $"only {runs} inputs ran");
    }
}
