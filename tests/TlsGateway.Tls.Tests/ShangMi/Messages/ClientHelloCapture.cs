using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Tls.Tests.ShangMi.Messages;

/// <summary>
/// Records the first bytes a real TLS client sends: a throwaway listener on a free loopback port,
/// the client started against it, bytes read until the sniffer has a whole ClientHello (or the
/// time limit passes), then the client is killed. Nothing is ever answered.
/// </summary>
public static class ClientHelloCapture
{
    public static async Task<byte[]> CaptureAsync(string fileName, Func<int, IEnumerable<string>> arguments, TimeSpan limit)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments(port))
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {fileName}");
        Task<string> error = process.StandardError.ReadToEndAsync();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(limit);
        try
        {
            using TcpClient client = await listener.AcceptTcpClientAsync(cancel.Token);
            NetworkStream stream = client.GetStream();
            byte[] buffer = new byte[ClientHelloSniffer.MaxBytes];
            int received = 0;
            while (received < buffer.Length)
            {
                int read = await stream.ReadAsync(buffer.AsMemory(received), cancel.Token);
                if (read == 0)
                {
                    break;
                }

                received += read;
                if (ClientHelloSniffer.Sniff(buffer.AsSpan(0, received)).Status != ClientHelloSniffStatus.NeedMoreData)
                {
                    break;
                }
            }

            return buffer[..received];
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{fileName} sent no ClientHello within {limit}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
            await Task.WhenAll(error, output);
        }
    }

    /// <summary>The framed ClientHello from captured records (one record: the usual case for these clients).</summary>
    public static byte[] HandshakeFrom(byte[] records)
    {
        Assert.Equal((byte)ContentType.Handshake, records[0]);
        int length = (records[3] << 8) | records[4];
        return records[5..(5 + length)];
    }
}
