using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// An OCSP responder on 127.0.0.1 whose answers come from the real `openssl ocsp` (index file,
/// signed by the test root): this class only carries HTTP, since `openssl ocsp -port` cannot be
/// bound to loopback. <see cref="Revoked"/> flips the index entry to revoked.
/// </summary>
public sealed class OcspResponder : LoopbackServer
{
    private readonly string _directory;
    private readonly string _serial;
    private readonly DateTime _notAfter;
    private readonly string _commonName;
    private int _requests;

    public OcspResponder(string directory, string leafPem)
    {
        _directory = directory;
        using (X509Certificate2 leaf = X509Certificate2.CreateFromPem(File.ReadAllText(leafPem)))
        {
            _serial = leaf.SerialNumber;
            _notAfter = leaf.NotAfter.ToUniversalTime();
            _commonName = leaf.GetNameInfo(X509NameType.SimpleName, false);
        }

        WriteIndex(revoked: false);
        Start();
    }

    public string Url => $"http://{Address}/";

    /// <summary>OCSP requests answered over HTTP.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public void Revoke() => WriteIndex(revoked: true);

    /// <summary>A DER response for <paramref name="leafPem"/> made with openssl alone (request and answer), for staple files.</summary>
    public static async Task<byte[]> MakeResponseAsync(string directory, string leafPem)
    {
        await using var responder = new OcspResponder(directory, leafPem);
        string request = Path.Combine(directory, "ocsp-file.req");
        ProcessResult made = await ProcessRunner.RunAsync("openssl",
            ["ocsp", "-issuer", TestPki.Instance.CaPath, "-cert", leafPem, "-no_nonce", "-reqout", request]);
        Assert.Equal(0, made.ExitCode);
        return await responder.AnswerAsync(await File.ReadAllBytesAsync(request));
    }

    private void WriteIndex(bool revoked)
    {
        // openssl ca's index format: status, expiry, revocation time, serial (hex), file, subject.
        string expiry = _notAfter.ToString("yyMMddHHmmss") + "Z";
        string revocation = revoked ? DateTime.UtcNow.AddMinutes(-1).ToString("yyMMddHHmmss") + "Z" : "";
        string line = $"{(revoked ? "R" : "V")}\t{expiry}\t{revocation}\t{_serial}\tunknown\t/CN={_commonName}\n";
        File.WriteAllText(Path.Combine(_directory, "ocsp-index.txt"), line);
    }

    private async Task<byte[]> AnswerAsync(byte[] request)
    {
        string id = Guid.NewGuid().ToString("N");
        string requestFile = Path.Combine(_directory, $"ocsp-{id}.req");
        string responseFile = Path.Combine(_directory, $"ocsp-{id}.resp");
        await File.WriteAllBytesAsync(requestFile, request);
        ProcessResult answer = await ProcessRunner.RunAsync("openssl",
        [
            "ocsp", "-index", Path.Combine(_directory, "ocsp-index.txt"), "-CA", TestPki.Instance.CaPath,
            "-rsigner", TestPki.Instance.CaPath, "-rkey", TestPki.Instance.PathOf("ca.key"), "-nmin", "10",
            "-reqin", requestFile, "-respout", responseFile,
        ]);
        Assert.Equal(0, answer.ExitCode);
        return await File.ReadAllBytesAsync(responseFile);
    }

    protected override async Task ServeAsync(Socket client)
    {
        await using var stream = new NetworkStream(client, ownsSocket: true);
        try
        {
            byte[] body = await ReadRequestBodyAsync(stream);
            Interlocked.Increment(ref _requests);
            byte[] response = await AnswerAsync(body);
            byte[] head = Encoding.ASCII.GetBytes(
                $"HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: {response.Length}\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(head);
            await stream.WriteAsync(response);
        }
        catch (IOException)
        {
            // The client left; it will retry.
        }
    }

    private static async Task<byte[]> ReadRequestBodyAsync(NetworkStream stream)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int headerEnd;
        while ((headerEnd = buffer.ToArray().AsSpan().IndexOf("\r\n\r\n"u8)) < 0)
        {
            int n = await stream.ReadAsync(chunk);
            if (n == 0)
            {
                throw new IOException("request ended early");
            }

            buffer.Write(chunk, 0, n);
        }

        string headers = Encoding.ASCII.GetString(buffer.ToArray(), 0, headerEnd);
        int length = int.Parse(headers.Split("\r\n").First(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)).Split(':')[1].Trim());
        while (buffer.Length < headerEnd + 4 + length)
        {
            int n = await stream.ReadAsync(chunk);
            if (n == 0)
            {
                throw new IOException("body ended early");
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray().AsSpan(headerEnd + 4, length).ToArray();
    }
}
