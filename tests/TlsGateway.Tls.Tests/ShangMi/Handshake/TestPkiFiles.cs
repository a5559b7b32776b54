using System.Diagnostics;
using System.Security.Cryptography;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>Runs tests/peers/bc-tls/make-sm2-pki.sh and reads the PEM files it writes.</summary>
public static class TestPkiFiles
{
    /// <summary>A fresh SM2 and ECDSA PKI in <paramref name="directory"/> (see make-sm2-pki.sh for the file names).</summary>
    public static void Make(string directory)
    {
        string script = Path.Combine(RepositoryRoot(), "tests", "peers", "bc-tls", "make-sm2-pki.sh");
        var info = new ProcessStartInfo(script, [directory]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {script}");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("make-sm2-pki.sh did not finish within a minute");
        }

        Assert.True(process.ExitCode == 0, "make-sm2-pki.sh failed:\n" + output.Result + error.Result);
    }

    /// <summary>Every certificate in a PEM file, as DER, in file order.</summary>
    public static List<byte[]> ReadPem(string path)
    {
        var certificates = new List<byte[]>();
        ReadOnlySpan<char> text = File.ReadAllText(path);
        while (PemEncoding.TryFind(text, out PemFields fields))
        {
            certificates.Add(Convert.FromBase64String(text[fields.Base64Data].ToString()));
            text = text[fields.Location.End..];
        }

        return certificates;
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TlsGateway.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("TlsGateway.sln not found above " + AppContext.BaseDirectory);
    }
}
